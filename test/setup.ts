import * as path from 'node:path';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';

// Tests run the TypeScript sources; the wasm and the worker bundle come from `npm run build`.
// A zone other than UTC, so that reading naive times as UTC is checked to be independent of the machine's zone.
process.env.TZ = 'Europe/Berlin';
setRuntimeDir(path.resolve(__dirname, '..', 'dist'));
