// ScorpioKit is the library programs use: it re-exports the layers below it (DESIGN §4), so a program
// imports ScorpioKit alone.
@_exported import Antares
@_exported import Artifact
@_exported import Dicfuse
@_exported import FuseKit
@_exported import Sandbox
