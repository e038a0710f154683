// actions exports: to be written (see assembly/actions/).
export const actionsAbiVersion: i32 = 1;
