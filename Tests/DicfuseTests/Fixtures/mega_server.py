#!/usr/bin/env python3
"""Test scaffolding: the part of the Mega monorepo server's HTTP API that Scorpio's client uses,
served from a local git repository through the git CLI.

    mega_server.py --repo PATH [--revision REV] [switches]

Serves REV (HEAD by default) as it is at each request, so new commits show up as they would on a
real server; `refs=` pins a listing to a commit. Listens on 127.0.0.1 on an ephemeral port and prints the port as the first line of stdout. Exits on
SIGTERM or when stdin reaches end of file (so it dies with the test process that started it).

Routes (every JSON answer is {"req_result", "data", "err_message"}):
  GET /api/v1/tree/content-hash?path=/a/b[&refs=COMMIT]  children: oid, name, content_type, and (unless
                                                         --plain-api) Scorpio's extension: size, mode
  GET /api/v1/tree?path=/a/b[&refs=COMMIT]               children: name, path, content_type
  GET /api/v1/latest-commit?path=/a                      oid, date (epoch seconds as a string), ...
  GET /api/v1/cl/{link}/files-list                      files of refs/cl/{link} since its merge base: path, sha, action
  GET|HEAD /api/v1/file/blob/{oid}                       raw bytes; a "sha1:" prefix is accepted;
                                                         honours "Range: bytes=a-b"
  GET /_scaffold/stats                                   what the server has seen (not counted)
An unknown path answers 404 with an envelope (the real server answers an empty list).

Switches that make it misbehave (with --only PREFIX, only for request paths starting with PREFIX):
  --fail-first N     the first N requests answer HTTP 500
  --fail-status CODE every request answers CODE
  --garbage          every request answers 200 with text that is not JSON
  --refuse MESSAGE   every request answers 200 with req_result=false and err_message=MESSAGE
  --stall SECONDS    every request waits SECONDS before answering
and that narrow what it offers:
  --plain-api        no size/mode in content-hash items (only the documented fields)
  --no-head          HEAD answers 405
  --no-range         Range headers are ignored
  --no-latest-commit the latest-commit route does not exist (plain 404, no envelope)
  --truncate-blobs   blob bodies stop half-way, after announcing their full length
or that stand for a server that never answers a connection:
  --blackhole        print the port of a socket whose accept queue is full, then do nothing
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, parse_qs, urlsplit


class Repository:
    def __init__(self, path, revision):
        self.path = path
        self.revision = revision
        if self.head() is None:
            sys.exit(f"mega_server: revision {revision!r} not found in {path}")

    def head(self):
        """The served revision, resolved per request: like the real server, this one moves on."""
        return self.resolve(self.revision)

    def git(self, *args):
        """The output of a git command, or None when it fails."""
        result = subprocess.run(["git", "-C", self.path, *args], capture_output=True)
        return result.stdout if result.returncode == 0 else None

    def resolve(self, revision):
        out = self.git("rev-parse", "--verify", "--quiet", revision + "^{commit}")
        return out.decode().strip() if out else None

    def children(self, path, commit):
        """The entries of the directory at `path` as (mode, type, oid, size or None, name), or None."""
        relative = path.strip("/")
        treeish = f"{commit}:{relative}" if relative else f"{commit}^{{tree}}"
        out = self.git("ls-tree", "-z", "-l", treeish)
        if out is None:
            return None
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, name = record.split(b"\t", 1)
            mode, kind, oid, size = meta.decode().split()
            entries.append((mode, kind, oid, None if size == "-" else int(size), name.decode("utf-8", "surrogateescape")))
        return entries

    def blob_size(self, oid):
        if (self.git("cat-file", "-t", oid) or b"").strip() != b"blob":
            return None
        return int(self.git("cat-file", "-s", oid))

    def blob(self, oid):
        return self.git("cat-file", "blob", oid)

    def change_list_files(self, link):
        """The files refs/cl/<link> changes since its merge base with HEAD, as the CL endpoint lists them."""
        ref = self.resolve(f"refs/cl/{link}")
        if ref is None:
            return None
        base = (self.git("merge-base", self.head(), ref) or b"").decode().strip()
        out = self.git("diff", "--no-renames", "--name-status", "-z", base, ref) or b""
        fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0") if f]
        files = []
        for status, path in zip(fields[0::2], fields[1::2]):
            action = {"A": "added", "M": "modified", "D": "deleted", "T": "modified"}[status[0]]
            sha = "" if action == "deleted" else (self.git("rev-parse", f"{ref}:{path}") or b"").decode().strip()
            files.append({"path": "/" + path, "sha": sha, "action": action})
        return files

    def latest_commit(self, path):
        relative = path.strip("/")
        pathspec = ["--", relative] if relative else []
        out = self.git("log", "-1", "--format=%H%x00%ct%x00%s%x00%an%x00%cn", self.head(), *pathspec)
        if not out or not out.strip():
            return None
        oid, time, subject, author, committer = out.decode().rstrip("\n").split("\0")
        return {
            "oid": oid,
            "date": time,
            "short_message": subject,
            "author": {"display_name": author, "avatar_url": ""},
            "committer": {"display_name": committer, "avatar_url": ""},
            "status": "success",
        }


class Faults:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.failures_left = options.fail_first
        self.requests = 0
        self.by_route = {}
        self.blob_accept_encodings = set()

    def count(self, path, headers):
        with self.lock:
            self.requests += 1
            route = path.rsplit("/", 1)[0] if path.startswith("/api/v1/file/blob/") else path
            self.by_route[route] = self.by_route.get(route, 0) + 1
            if path.startswith("/api/v1/file/blob/"):
                self.blob_accept_encodings.add(headers.get("Accept-Encoding", ""))

    def injected(self, path):
        """The fault to answer with, if any: ('status', code) | ('garbage',) | ('refuse', message)."""
        if self.options.only and not path.startswith(self.options.only):
            return None
        with self.lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                return ("status", 500)
        if self.options.fail_status:
            return ("status", self.options.fail_status)
        if self.options.garbage:
            return ("garbage",)
        if self.options.refuse is not None:
            return ("refuse", self.options.refuse)
        if self.options.stall:
            return ("stall", self.options.stall)
        return None

    def stats(self):
        with self.lock:
            return {
                "requests": self.requests,
                "by_route": self.by_route,
                "blob_accept_encodings": sorted(self.blob_accept_encodings),
            }


def make_handler(repository, faults, options):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            if options.verbose:
                super().log_message(format, *args)

        def do_HEAD(self):
            self.route(head=True)

        def do_GET(self):
            self.route(head=False)

        # Answers

        def send(self, status, body, content_type="application/json", head=False, extra_headers=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra_headers:
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def envelope(self, status, data=None, error="", head=False):
            body = json.dumps({"req_result": error == "", "data": data, "err_message": error}).encode()
            self.send(status, body, head=head)

        # Routing

        def route(self, head):
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            path = url.path
            if path == "/_scaffold/stats":
                return self.envelope(200, faults.stats())
            faults.count(path, self.headers)
            fault = faults.injected(path)
            if fault:
                return self.misbehave(fault, head)
            if path == "/api/v1/tree/content-hash":
                return self.tree(query, head, with_hashes=True)
            if path == "/api/v1/tree":
                return self.tree(query, head, with_hashes=False)
            if path == "/api/v1/latest-commit" and not options.no_latest_commit:
                return self.latest_commit(query, head)
            if path.startswith("/api/v1/file/blob/"):
                return self.blob(path[len("/api/v1/file/blob/"):], head)
            if path.startswith("/api/v1/cl/") and path.endswith("/files-list"):
                files = repository.change_list_files(unquote(path[len("/api/v1/cl/"):-len("/files-list")]))
                if files is None:
                    return self.envelope(404, error="no such change list", head=head)
                return self.envelope(200, files, head=head)
            self.send(404, b"no such route\n", content_type="text/plain", head=head)

        def misbehave(self, fault, head):
            if fault[0] == "status":
                self.envelope(fault[1], error="injected failure", head=head)
            elif fault[0] == "stall":
                time.sleep(fault[1])
                self.envelope(503, error="stalled", head=head)
            elif fault[0] == "garbage":
                self.send(200, b"<html>this is not JSON</html>\n", content_type="text/html", head=head)
            else:
                self.envelope(200, error=fault[1], head=head)

        def commit(self, query):
            refs = query.get("refs", [""])[0]
            return repository.resolve(refs) if refs else repository.head()

        def tree(self, query, head, with_hashes):
            path = query.get("path", ["/"])[0] or "/"
            commit = self.commit(query)
            if commit is None:
                return self.envelope(400, error=f"unknown refs {query.get('refs')[0]!r}", head=head)
            entries = repository.children(path, commit)
            if entries is None:
                return self.envelope(404, error=f"path not found: {path}", head=head)
            items = []
            for mode, kind, oid, size, name in entries:
                content_type = "file" if kind == "blob" else "directory"
                if with_hashes:
                    item = {"oid": oid, "name": name, "content_type": content_type}
                    if not options.plain_api:
                        item["mode"] = mode
                        if size is not None:
                            item["size"] = size
                else:
                    item = {"name": name, "path": path.rstrip("/") + "/" + name, "content_type": content_type}
                items.append(item)
            items.sort(key=lambda item: (item["content_type"], item["name"]))
            data = items if with_hashes else {"tree_items": items, "total_count": len(items)}
            self.envelope(200, data, head=head)

        def latest_commit(self, query, head):
            path = query.get("path", ["/"])[0] or "/"
            commit = repository.latest_commit(path)
            if commit is None:
                return self.envelope(404, error=f"no commit touches {path}", head=head)
            self.envelope(200, commit, head=head)

        def blob(self, oid, head):
            if oid.startswith("sha1:"):
                oid = oid[len("sha1:"):]
            size = repository.blob_size(oid)
            if size is None:
                return self.envelope(404, error=f"blob not found: {oid}", head=head)
            if head:
                if options.no_head:
                    return self.send(405, b"", content_type="text/plain", head=True)
                return self.head_of_blob(size)
            content = repository.blob(oid)
            wanted = self.headers.get("Range")
            if wanted and not options.no_range:
                return self.ranged(content, wanted)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if options.truncate_blobs and content:
                self.wfile.write(content[: len(content) // 2])
                self.close_connection = True
            else:
                self.wfile.write(content)

        def head_of_blob(self, size):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()

        def ranged(self, content, wanted):
            try:
                unit, spec = wanted.split("=", 1)
                first, last = spec.split("-", 1)
                first = int(first)
                last = min(int(last) if last else len(content) - 1, len(content) - 1)
                assert unit.strip() == "bytes"
            except (ValueError, AssertionError):
                return self.envelope(400, error=f"bad range {wanted!r}")
            if first >= len(content) or first > last:
                return self.send(416, b"", content_type="text/plain",
                                 extra_headers=[("Content-Range", f"bytes */{len(content)}")])
            self.send(206, content[first : last + 1], content_type="application/octet-stream",
                      extra_headers=[("Content-Range", f"bytes {first}-{last}/{len(content)}")])

    return Handler


def blackhole():
    """A listening socket that never accepts, its queue filled: new connections are never completed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    print(port, flush=True)
    while sys.stdin.buffer.read(4096):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--revision", default="HEAD")
    parser.add_argument("--only", default="")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=0)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--refuse", default=None)
    parser.add_argument("--stall", type=float, default=0)
    parser.add_argument("--blackhole", action="store_true")
    parser.add_argument("--plain-api", action="store_true")
    parser.add_argument("--no-head", action="store_true")
    parser.add_argument("--no-range", action="store_true")
    parser.add_argument("--no-latest-commit", action="store_true")
    parser.add_argument("--truncate-blobs", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()

    # A test runner may start this with signals blocked, which a child inherits: take SIGTERM back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    if options.blackhole:
        return blackhole()

    repository = Repository(options.repo, options.revision)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(repository, Faults(options), options))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)

    def exit_when_stdin_closes():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
