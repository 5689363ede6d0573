/** Folders under dist/ that are not layers: the app of apps and the host files. */
export const RESERVED_FOLDERS: readonly string[] = ['apps', 'hosts'];
