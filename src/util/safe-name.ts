/**
 * Names that may appear as one path component inside a tree we write: not empty, not `.` or
 * `..`, no `/` and no NUL. OSTree's dirtree validation and rpm's cpio handling both reject the
 * rest; Node has no openat(), so refusing such names at decode time is what keeps every write
 * inside its root.
 */
export function isSafeFilename(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * Split a relative path into safe components, dropping empty and `.` parts; returns undefined
 * if any component is `..` or contains NUL (a path that could climb out of its root).
 */
export function safePathComponents(path: string): string[] | undefined {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' || part.includes('\0')) return undefined;
    parts.push(part);
  }
  return parts;
}
