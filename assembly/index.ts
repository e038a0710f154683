// wasmvs fast path: the WASM module's exports, area by area. See README.md in this folder.
export * from "./datapath/exports";
export * from "./parse/exports";
export * from "./classify/exports";
export * from "./actions/exports";
export * from "./meters/exports";
export * from "./virtio/exports";
export * from "./ports/exports";
