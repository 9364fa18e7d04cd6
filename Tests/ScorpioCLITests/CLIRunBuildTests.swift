import Foundation
import SystemPackage
import Testing

/// `scorpio run` of real builds: the layer a build leaves, applied to the base, is the native build's tree.
extension CLIRunTests {
    @Test func aMakeBuildsLayerAppliedToTheBaseEqualsTheNativeBuild() throws {
        try withRepository { scorpio, directory, repository in
            let d = directory.string
            #expect(sh("""
                set -e; cd '\(repository)'; mkdir -p legacy/inner
                printf 'int twice(int x) { return 2 * x; }\\n' > util.c
                printf '#include <stdio.h>\\nint twice(int);\\nint main(void) { printf("%%d\\\\n", twice(21)); return 0; }\\n' > main.c
                echo old > obsolete.txt; echo kept > legacy/inner/file; ln -s inner/file legacy/link
                printf 'all: app out/report.txt\\n\\trm -f obsolete.txt\\n\\tmv legacy modern\\n' > Makefile
                printf 'app: main.o util.o\\n\\t$(CC) -o $@ main.o util.o\\n' >> Makefile
                printf 'out/report.txt: app\\n\\tmkdir -p out && ./app > $@ && chmod 600 $@\\n' >> Makefile
                git add -A; git -c user.name=t -c user.email=t@x commit -qm build
                git clone -q . '\(d)/native'; make -s -C '\(d)/native' CFLAGS=-O2
                """).status == 0)
            let result = try run(scorpio, directory, ["--clean", "--artifact", "\(d)/build.tar.gz", "--", "make", "-s", "CFLAGS=-O2"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(sh("mkdir '\(d)/applied' && git -C '\(repository)' -c tar.umask=0022 archive HEAD | tar -x -C '\(d)/applied'").status == 0)
            #expect(sh(applyLayerScript("\(d)/build.tar.gz", onto: "\(d)/applied")).status == 0)
            let native = treeListing("\(d)/native")
            #expect(native.contains("./out/report.txt f 600") && native.contains("./modern/link l 777 inner/file"), "\(native)")
            #expect(!native.contains("obsolete.txt"))
            #expect(treeListing("\(d)/applied") == native)
            let layer = sh("tar -tzf '\(d)/build.tar.gz'").output
            #expect(layer.contains(".wh.obsolete.txt") && layer.contains(".wh.legacy"), "\(layer)")
            #expect(!FileManager.default.fileExists(atPath: "\(repository)/app"), "the work tree is untouched")
        }
    }

    @Test func aRecipeSetsCachesEnvironmentNetworkAndTheLayersFilter() throws {
        try withRepository { scorpio, directory, repository in
            let d = directory.string
            try FileManager.default.createDirectory(atPath: "\(repository)/.scorpio/recipes", withIntermediateDirectories: true)
            try write("""
                description = "a tool with a cache"
                network = "none"
                writable = ["${TOOL_CACHE}/objects"]
                [environment]
                TOOL_MODE = "fast:$TOOL_CACHE"
                [artifact]
                exclude = ["*.log"]
                """, to: repository.appending(".scorpio/recipes/tool.toml"))
            let listed = try scorpio.run(["recipes"])
            #expect(listed.standardOutput.contains("tool") && listed.standardOutput.contains("a tool with a cache"))
            #expect(listed.standardOutput.contains("cargo") && listed.standardOutput.contains("bazel"), "the shipped recipes")
            let script = """
                echo "$TOOL_MODE"; echo cached > "$TOOL_CACHE/objects/o"; echo built > out.bin; echo noise > build.log
                grep -c : /proc/net/dev
                """
            let result = try scorpio.run(
                ["--config-path", "\(d)/scorpio.toml", "run", "--recipe", "tool", "--artifact", "\(d)/tool.tar.gz", "--", "sh", "-c", script],
                environment: ["TOOL_CACHE": "\(d)/cache"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "fast:\(d)/cache\n1\n", "the environment, and only loopback in the network namespace")
            #expect(try contents(of: FilePath("\(d)/cache/objects/o")) == "cached\n", "the cache directory was created and is writable")
            let layer = sh("tar -tzf '\(d)/tool.tar.gz'").output
            #expect(layer.contains("out.bin") && !layer.contains("build.log"), "\(layer)")

            let hosted = try scorpio.run(
                ["--config-path", "\(d)/scorpio.toml", "run", "--recipe", "tool", "--network", "host", "--", "sh", "-c", "grep -c : /proc/net/dev"],
                environment: ["TOOL_CACHE": "\(d)/cache"])
            let interfaces = Int(hosted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(interfaces > 1, "a flag overrides the recipe")

            let unset = try run(scorpio, directory, ["--recipe", "tool", "--", "true"])
            #expect(unset.status == 125)
            #expect(unset.standardError.contains("TOOL_CACHE"), "\(unset.standardError)")
            let missing = try run(scorpio, directory, ["--recipe", "nonesuch", "--", "true"])
            #expect(missing.status == 125)
            #expect(missing.standardError.contains("no recipe named 'nonesuch'") && missing.standardError.contains("cargo"))
        }
    }
}

extension CLIRunTests {
    @Test(arguments: ["fuse", "kernel"])
    func copyUpsThatChangeNothingAreLeftOutOfTheLayer(driver: String) throws {
        try withRepository { scorpio, directory, repository in
            let d = directory.string
            try write("union_driver = \"\(driver)\"\n" + (try contents(of: directory.appending("scorpio.toml"))), to: directory.appending("scorpio.toml"))
            #expect(sh("cd '\(repository)' && printf 'same\\n' > src/same.txt && git add -A && git -c user.name=t -c user.email=t@x commit -qm two").status == 0)
            let script = """
                chmod 644 src/hello.txt; exec 3<>src/same.txt; exec 3>&-
                printf 'HELLO\\n' > /tmp/upper-case; touch -r src/hello.txt /tmp/upper-case
                printf 'HELLO\\n' > src/hello.txt; touch -r /tmp/upper-case src/hello.txt
                echo new > new.txt
                """
            let result = try run(scorpio, directory, ["--clean", "--artifact", "\(d)/layer.tar.gz", "--", "sh", "-c", script])
            #expect(result.status == 0, "\(result.standardError)")
            let layer = sh("tar -tzf '\(d)/layer.tar.gz' | sort").output
            #expect(layer == "new.txt\nsrc/\nsrc/hello.txt\n", "same size and mtime but new content stays; the untouched copy-up goes: \(layer)")
        }
    }
}
