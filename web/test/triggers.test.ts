import { describe, expect, it } from 'vitest';
import {
  cronProblem, describeTrigger, examplePayload, exampleRequest, sampleValue, shellQuote, startNodes, timeZones, triggerNameProblem,
} from '../src/lib/triggers';
import { catalog } from './helpers';

const cat = catalog();

describe('webhook example request', () => {
  it('has one sample value per payload output, by type and shape', () => {
    const start = {
      id: 'start', type: 'events_generic', extra_pins: [
        { name: 'who', type: 'string' as const }, { name: 'n', type: 'integer' as const }, { name: 'ok', type: 'boolean' as const },
        { name: 'tags', type: 'string' as const, value_type: 'array' as const }, { name: 'scores', type: 'float' as const, value_type: 'map' as const },
        { name: 'when', type: 'date' as const }, { name: 'blob', type: 'bytes' as const }, { name: 'obj', type: 'struct' as const }, { name: 'any' },
      ],
    };
    expect(examplePayload(start)).toEqual({
      who: 'who text', n: 42, ok: true, tags: ['tags text'], scores: { key: 1.5 }, when: '2026-01-01T09:00:00Z',
      blob: 'aGVsbG8=', obj: { key: 'value' }, any: 'any JSON',
    });
    expect(sampleValue('integer', 'set')).toEqual([42]);
  });
  it('without payload outputs: a sample key for Event with Payload, nothing for a Simple Event', () => {
    expect(examplePayload({ id: 's', type: 'events_generic' })).toEqual({ message: 'hello' });
    expect(examplePayload({ id: 's', type: 'events_simple' })).toEqual({});
    expect(examplePayload(undefined)).toEqual({});
  });
  it('is a curl command that a shell runs as written, with the key or a variable for it', () => {
    const url = 'http://127.0.0.1:8420/hooks/app_1/order-created';
    const cmd = exampleRequest(url, { who: "O'Brien" });
    expect(cmd).toBe([
      `curl -X POST 'http://127.0.0.1:8420/hooks/app_1/order-created' \\`,
      `  -H "Authorization: Bearer $WEIR_API_KEY" \\`,
      `  -H 'Content-Type: application/json' \\`,
      `  -d '{"who":"O'\\''Brien"}'`,
    ].join('\n'));
    expect(exampleRequest(url, {}, 'weirk_abc')).toContain(`-H 'Authorization: Bearer weirk_abc'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('trigger settings', () => {
  it('names as the server takes them', () => {
    expect(triggerNameProblem('order-created.v2_x')).toBeNull();
    expect(triggerNameProblem('')).toMatch(/needs a name/);
    expect(triggerNameProblem('a b')).toMatch(/letters/);
    expect(triggerNameProblem('a/b')).toMatch(/letters/);
    expect(triggerNameProblem('.x')).toMatch(/dot/);
    expect(triggerNameProblem('x'.repeat(65))).toMatch(/64/);
  });
  it('cron lines of five fields or a macro', () => {
    expect(cronProblem('0 9 * * MON-FRI')).toBeNull();
    expect(cronProblem('*/15  *\t* * *')).toBeNull();
    expect(cronProblem('@daily')).toBeNull();
    expect(cronProblem('')).toMatch(/needs a cron/);
    expect(cronProblem('0 9 * *')).toMatch(/has 4/);
    expect(cronProblem('0 0 9 * * *')).toMatch(/has 6/);
  });
  it('start nodes of a board, and the time zones offered', () => {
    const nodes = [{ id: 'a', type: 'events_simple' }, { id: 'b', type: 'log_info' }, { id: 'c', type: 'events_generic' }];
    expect(startNodes(nodes, (t) => cat.get(t)).map((n) => n.id)).toEqual(['a', 'c']);
    expect(startNodes(nodes, () => undefined).map((n) => n.id)).toEqual(['a', 'c']);
    const z = timeZones();
    expect(z[0]).toBe('UTC');
    expect(z.filter((x) => x === 'UTC')).toHaveLength(1);
  });
  it('are described in one line', () => {
    expect(describeTrigger({ kind: 'schedule', config: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } })).toBe('0 9 * * * (Europe/Berlin)');
    expect(describeTrigger({ kind: 'webhook', config: {} })).toBe('waits for the result');
    expect(describeTrigger({ kind: 'webhook', config: { wait: false } })).toMatch(/202/);
  });
});
