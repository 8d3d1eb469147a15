import path from 'node:path';
import { equalBytes } from '@noble/ciphers/utils.js';
import { NODE_SECRET_FILE, nodeSecretCheckValue, readNodeSecret } from '../identity/node-secret.ts';
import { checkDatabaseFile, MAX_PROBLEMS as MAX_REPORTED } from '../store/check.ts';
import { DATABASE_FILE_NAME } from '../store/open-database.ts';

export interface CheckIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Problems printed per check (the store reports up to MAX_REPORTED). */
const SHOWN = 20;

const RECOVERY =
  'stop the node, keep a copy of the whole data directory, then restore dchat.db from a backup together with the node-secret it was backed up with ' +
  '(README: "When the data directory is not right")';

/**
 * `dchat check`: the full integrity and foreign key check of <data_dir>/dchat.db, and whether
 * node-secret belongs to it. Read-only: safe while a node runs on the directory.
 * Exit 0 clean, 1 damaged (or a node-secret that would be refused), 2 no database to check.
 */
export function runCheck(dataDir: string, io: CheckIo): number {
  const file = path.join(dataDir, DATABASE_FILE_NAME);
  let report;
  try {
    report = checkDatabaseFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      io.stderr(`dchat check: no database at ${file} (is --data-dir right?)\n`);
      return 2;
    }
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'SQLITE_CANTOPEN') {
      io.stderr(`dchat check: cannot open ${file}: ${e.message}\n`);
      return 2;
    }
    throw err;
  }
  const lines: string[] = [];
  const figures = report.readable ? `schema version ${report.schemaVersion}, ${report.pages} pages, ` : '';
  lines.push(`dchat check: ${file} (${figures}checked in ${report.ms} ms)`);
  const list = (what: string, problems: readonly string[]) => {
    const count = problems.length >= MAX_REPORTED ? `at least ${problems.length} problems` : `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    lines.push(`  ${what}: ${problems.length === 0 ? 'ok' : count}`);
    for (const problem of problems.slice(0, SHOWN)) lines.push(`    ${problem}`);
    if (problems.length > SHOWN) lines.push(`    ... and ${problems.length - SHOWN} more`);
  };
  list('integrity', report.integrityProblems);
  if (report.readable) list('foreign keys', report.foreignKeyProblems);
  const damaged = report.integrityProblems.length > 0 || report.foreignKeyProblems.length > 0;

  let secretRefused = false;
  if (report.readable) {
    const secretFile = path.join(dataDir, NODE_SECRET_FILE);
    let secret: Uint8Array | undefined;
    let unreadable: string | undefined;
    try {
      secret = readNodeSecret(dataDir);
    } catch (err) {
      unreadable = (err as Error).message;
    }
    if (unreadable) {
      secretRefused = true;
      lines.push(`  node-secret: ${unreadable}`);
    } else if (!report.nodeSecretCheck) {
      lines.push(`  node-secret: ${secret ? 'present; not yet recorded in dchat.db (the next start records it)' : 'none yet (the first start creates it)'}`);
    } else if (!secret) {
      secretRefused = true;
      lines.push(`  node-secret: MISSING: ${secretFile} is gone but dchat.db is sealed under one: restore the node-secret backed up with this database`);
    } else if (!equalBytes(nodeSecretCheckValue(secret), report.nodeSecretCheck)) {
      secretRefused = true;
      lines.push(`  node-secret: DOES NOT MATCH: ${secretFile} is not the one dchat.db was sealed under: restore the node-secret backed up with this database`);
    } else {
      lines.push('  node-secret: belongs to this database');
    }
  }

  if (damaged) lines.push(`dchat check: DAMAGED: ${RECOVERY}`);
  else if (secretRefused) lines.push('dchat check: the database is clean, but the node would refuse this node-secret (see above)');
  else lines.push('dchat check: clean');
  io.stdout(`${lines.join('\n')}\n`);
  return damaged || secretRefused ? 1 : 0;
}
