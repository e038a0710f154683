// wasmvs fast path: the WASM module's exports, area by area. See README.md in this folder.
export * from "./datapath/exports";
