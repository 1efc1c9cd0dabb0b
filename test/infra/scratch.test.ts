import { it } from 'vitest';
import { FakeAzure, Workspace, writeBuiltProject } from './fakeAz.js';

it('scratch', async () => {
  const ws = new Workspace();
  writeBuiltProject(ws);
  const fake = new FakeAzure(ws);
  const t0 = Date.now();
  const run = await fake.run(['--yes', '--web-origin', 'http://localhost:5173']);
  console.log('code', run.code, 'calls', run.calls.length, 'bounds', run.bounds.length, 'ms', Date.now() - t0);
  fake.change((w) => { w.behaviour.healthCheckHangs = true; w.behaviour.hostUnhealthyPolls = 3; });
  const t1 = Date.now();
  const again = await fake.run(['--yes'], { spawn: true });
  console.log(again.output.split('\n').filter((l) => !l.startsWith('$')).join('\n'));
  console.log('code', again.code, 'calls', again.calls.length, 'hangs', again.hangs, 'waited', again.waitedMs, 'ms', Date.now() - t1);
  ws.cleanup();
}, 120_000);
