//! Scheduling policies beyond kube-scheduler's resource plugins: the GPU-sharing policies of the
//! FGD study (USENIX ATC'23, "Beware of Fragmentation").
