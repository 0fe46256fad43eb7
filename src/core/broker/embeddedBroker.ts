import { type AddressInfo, type Server, createServer } from 'node:net';

export interface EmbeddedBroker {
  host: string;
  port: number;
  url: string;
  /** Clients connected now. */
  clients(): number;
  close(): Promise<void>;
}

/**
 * An aedes broker on a TCP port, loopback by default: for the demo, the tests and users
 * without a broker. Port 0 picks a free one. aedes is loaded on first use.
 */
export async function startEmbeddedBroker(options: { port?: number; host?: string } = {}): Promise<EmbeddedBroker> {
  const { Aedes } = await import('aedes');
  const host = options.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${options.port} on ${host} is in use` : `broker: ${err.message}`)),
    );
    server.listen(options.port ?? 1883, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    clients: () => aedes.connectedClients,
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => server.close(() => resolve()));
        // aedes closes its clients; server.close waits for sockets: end them.
        setTimeout(() => resolve(), 2000).unref();
      }),
  };
}
