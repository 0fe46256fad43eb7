// Patches node-sqlite3-wasm's file system layer in place (run at postinstall; idempotent) so that a
// `.db` in a folder this user cannot write can still be read.
//
// The engine locks a database by creating the directory `<file>.lock` for any access, read or
// write. Where that mkdir is refused for lack of permission (EACCES, EPERM: sample sessions, a
// folder of another user) or because the file system is read-only (EROFS: a read-only share), the
// engine answers SQLITE_IOERR_LOCK and nothing can be read. A writer through this engine needs to
// create that same directory (and its journal) beside the file, so none can exist where we cannot
// write: the access goes on without a lock and without marking the file locked, so unlock removes
// nothing. A lock another user holds there is still seen: mkdir reports EEXIST before it checks
// permission, and that stays SQLITE_BUSY.
//
// esbuild inlines node_modules into dist/, so the bundles carry the patched code.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const MARK = '/*mqtt-sessions:lock-readonly*/';
const ORIGINAL = 'catch(err){return err.code=="EEXIST"?SQLITE_BUSY:SQLITE_IOERR_LOCK}_setLocked(fi,true)';
const PATCHED =
  `catch(err){${MARK}if(err.code=="EACCES"||err.code=="EPERM"||err.code=="EROFS")return SQLITE_OK;` +
  'return err.code=="EEXIST"?SQLITE_BUSY:SQLITE_IOERR_LOCK}_setLocked(fi,true)';

let file;
try {
  file = createRequire(import.meta.url).resolve('node-sqlite3-wasm');
} catch (err) {
  console.error(`patchSqliteWasm: node-sqlite3-wasm not found (${err.message.split('\n')[0]})`);
  process.exit(1);
}

const code = readFileSync(file, 'utf8');
const lockStart = code.indexOf('function _nodejsLock(fi,level){');
const lockEnd = lockStart < 0 ? -1 : code.indexOf('function ', lockStart + 1);
const lockFn = lockEnd < 0 ? '' : code.slice(lockStart, lockEnd);

if (lockFn.includes(PATCHED)) {
  console.log(`patchSqliteWasm: ${file} already patched (read-only folders)`);
} else if (lockFn.split(ORIGINAL).length === 2) {
  writeFileSync(file, code.slice(0, lockStart) + lockFn.replace(ORIGINAL, PATCHED) + code.slice(lockEnd));
  console.log(`patchSqliteWasm: patched ${file} (read-only folders)`);
} else {
  console.error(`patchSqliteWasm: _nodejsLock in ${file} is not the code this patch expects (node-sqlite3-wasm changed?); read-only folders would fail with an I/O error`);
  process.exit(1);
}
