export { newOrigin, cloneOrigin, setPinned, setRefspec, originForNewDeployment } from './origin.js';
