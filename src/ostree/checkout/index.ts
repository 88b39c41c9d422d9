// Checking commits out into directories (copy, hardlink, user mode, union, subpath).
export { checkout } from './checkout.js';
export type { CheckoutOptions, CheckoutStats } from './checkout.js';
