// parse exports: to be written (see assembly/parse/).
export const parseAbiVersion: i32 = 1;
