// classify exports: to be written (see assembly/classify/).
export const classifyAbiVersion: i32 = 1;
