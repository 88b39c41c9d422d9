// Quick access to generated RPMs for any module's tests: builds packages with atoll's RPM writer
// (src/rpm/build) into a temporary directory that is removed when the test ends.
import type { TestContext } from 'node:test';
import { tempDir } from './env.js';
import {
  featureMatrix,
  fixturePackageSet,
  writeFixturePackages,
  type PackageDescription,
  type PackageSetOptions,
} from '../../src/rpm/index.js';

export { featureMatrix, fixturePackageSet, writeFixturePackages };
export type { PackageDescription, PackageSetOptions };

/** Build `descriptions` into a fresh temp dir; returns the dir and the package paths (in order). */
export async function buildPackages(t: TestContext, descriptions: readonly PackageDescription[]): Promise<{ dir: string; paths: string[] }> {
  const dir = tempDir(t, 'atoll-rpms-');
  return { dir, paths: await writeFixturePackages(dir, descriptions) };
}

/** A seeded, dependency-consistent package set, built (see fixturePackageSet for the options). */
export async function buildPackageSet(t: TestContext, options: PackageSetOptions = {}): Promise<{ dir: string; paths: string[]; descriptions: PackageDescription[] }> {
  const descriptions = fixturePackageSet(options);
  return { ...(await buildPackages(t, descriptions)), descriptions };
}

/** Every case of the writer's feature matrix, built (ids in `featureMatrix()` order). */
export async function buildFeatureMatrix(t: TestContext): Promise<{ dir: string; paths: string[]; cases: ReturnType<typeof featureMatrix> }> {
  const cases = featureMatrix();
  return { ...(await buildPackages(t, cases.map((c) => c.description))), cases };
}
