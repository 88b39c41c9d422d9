export { SysrootLayout, deploymentDirName, bootfsDirName, parseDeploymentDirName, parseBootfsDirName, parseOstreeKarg, isValidOsname } from './sysroot-layout.js';
