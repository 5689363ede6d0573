/** Folders under dist/ that are not layers: the app of apps, the host files and the apps' folders. */
export const RESERVED_FOLDERS: readonly string[] = ['apps', 'hosts', 'workloads'];
