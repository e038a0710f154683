#!/usr/bin/env node
// The `wasmvs` executable: registers tsx (TypeScript loader) and runs the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
