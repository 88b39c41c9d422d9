// The server side: treefile → depsolve → download → assemble → commit.
export * from './treefile/index.js';
