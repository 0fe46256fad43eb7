import { main } from './main';

// `mqtt-sessions export … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mqtt-sessions: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
