import { PACKAGE_MANIFEST } from './package-root.js';

/** The package version, from package.json so there is one place to change it. */
export const TOOL_VERSION: string = PACKAGE_MANIFEST.version;
