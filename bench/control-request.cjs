// The floor of a credd command that asks the daemon one thing: Node starts, loads node:http, sends
// GET /v1/status over the control socket, reads the answer and exits, and runs no credd code. A
// CommonJS file like the `credd` command itself (dist/bin/credd.cjs). bench/cli-phase.ts times it
// beside the real commands.   CREDD_HOME=… node bench/control-request.cjs
const http = process.getBuiltinModule('node:http');
const net = process.getBuiltinModule('node:net');
const path = process.getBuiltinModule('node:path');

const socket = path.join(process.env.CREDD_HOME ?? '', 'control.sock');
http
  .request({ createConnection: () => net.connect(socket), path: '/v1/status' }, (res) => {
    res.resume();
    res.on('end', () => process.stdout.write(`${res.statusCode}\n`));
  })
  .end();
