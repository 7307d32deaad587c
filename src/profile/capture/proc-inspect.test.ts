import { describe, expect, it } from 'vitest';
import { catchesSignal, inspectorAddress, parseListeningSockets, reachableOnLoopback, SIGUSR1, socketInodes, statusField } from './proc-inspect.js';

const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:240D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 135167 1 0000000000000000 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 582 1 0000000000000000 100 0 0 10 0
   2: 0100007F:E4A2 0100007F:1092 01 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 20 4 30 10 -1
   3: 0A00020F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
`;
const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:240E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
`;

describe('/proc parsers for the inspector', () => {
  it('lists listening sockets with address, port and inode, skipping connections', () => {
    expect(parseListeningSockets(tcp)).toEqual([
      { inode: 135167, address: '127.0.0.1', port: 9229 },
      { inode: 582, address: '0.0.0.0', port: 2024 },
      { inode: 777, address: '15.2.0.10', port: 80 },
    ]);
    expect(parseListeningSockets(tcp6)).toEqual([{ inode: 4242, address: '0000:0000:0000:0000:0000:0000:0000:0001', port: 9230 }]);
  });

  it('tells loopback-reachable addresses', () => {
    expect(['127.0.0.1', '0.0.0.0', '0000:0000:0000:0000:0000:0000:0000:0001'].map(reachableOnLoopback)).toEqual([true, true, true]);
    expect(reachableOnLoopback('15.2.0.10')).toBe(false);
  });

  it('reads socket inodes from fd link targets', () => {
    expect([...socketInodes(['/dev/null', 'socket:[135167]', 'pipe:[5]', 'socket:[9]'])]).toEqual([135167, 9]);
  });

  it('reads SigCgt: Node.js catches SIGUSR1 (bit 10), sleep does not', () => {
    const node = 'Name:\tnode\nSigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\nSigCgt:\t0000000100004602\n';
    expect(statusField(node, 'Name')).toBe('node');
    expect(catchesSignal(node, SIGUSR1)).toBe(true);
    expect(catchesSignal(node, 12)).toBe(false);
    expect(catchesSignal('Name:\tsleep\nSigCgt:\t0000000000000000\n', SIGUSR1)).toBe(false);
    expect(catchesSignal('Name:\tx\n', SIGUSR1)).toBe(false);
  });

  it("finds where SIGUSR1 opens the inspector: Node's options, NODE_OPTIONS, else 127.0.0.1:9229", () => {
    expect(inspectorAddress(['node', 'app.js'])).toEqual({ host: '127.0.0.1', port: 9229 });
    expect(inspectorAddress(['node', '--inspect-port=0', 'app.js'])).toEqual({ host: '127.0.0.1', port: 0 });
    expect(inspectorAddress(['node', '--inspect-port', '9300', 'app.js'])).toEqual({ host: '127.0.0.1', port: 9300 });
    expect(inspectorAddress(['node', '--inspect=0.0.0.0:9231', 'app.js'])).toEqual({ host: '0.0.0.0', port: 9231 });
    expect(inspectorAddress(['node', 'app.js'], '--max-old-space-size=512 --inspect-port=9400')).toEqual({ host: '127.0.0.1', port: 9400 });
    expect(inspectorAddress(['node', '--inspect-port=9401', 'app.js'], '--inspect-port=9400')).toEqual({ host: '127.0.0.1', port: 9401 });
    // The program's own arguments are not Node's.
    expect(inspectorAddress(['node', '-r', 'dotenv/config', 'app.js', '--inspect-port=1'])).toEqual({ host: '127.0.0.1', port: 9229 });
  });
});
