// virtio exports: to be written (see assembly/virtio/).
export const virtioAbiVersion: i32 = 1;
