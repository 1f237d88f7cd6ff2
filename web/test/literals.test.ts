import { describe, expect, it } from 'vitest';
import { editorKind, isRfc3339, literalText, parseLiteral, valueProblem } from '../src/lib/literals';
import type { PinType, ValueType } from '../src/lib/types';

const P = (type: PinType, value_type: ValueType = 'normal') => ({ type, value_type });

describe('literals', () => {
  it('picks a control by type', () => {
    expect(editorKind(P('boolean'))).toBe('boolean');
    expect(editorKind(P('integer'))).toBe('integer');
    expect(editorKind(P('string', 'array'))).toBe('json');
    expect(editorKind(P('struct'))).toBe('json');
    expect(editorKind(P('execution'))).toBe('none');
  });
  it('parses text by type and refuses what weir validate would', () => {
    expect(parseLiteral('42', P('integer'))).toEqual({ ok: true, value: 42 });
    expect(parseLiteral('4.5', P('integer')).ok).toBe(false);
    expect(parseLiteral('99999999999999999999', P('integer')).ok).toBe(false);
    expect(parseLiteral('4.5', P('float'))).toEqual({ ok: true, value: 4.5 });
    expect(parseLiteral('abc', P('float')).ok).toBe(false);
    expect(parseLiteral('hello', P('string'))).toEqual({ ok: true, value: 'hello' });
    expect(parseLiteral('hello', P('generic'))).toEqual({ ok: true, value: 'hello' });
    expect(parseLiteral('{"a":1}', P('generic'), true)).toEqual({ ok: true, value: { a: 1 } });
    expect(parseLiteral('[1,2]', P('integer', 'array'))).toEqual({ ok: true, value: [1, 2] });
    expect(parseLiteral('[1,"x"]', P('integer', 'array')).ok).toBe(false);
    expect(parseLiteral('[1,1]', P('integer', 'set'))).toEqual({ ok: false, message: 'a set holds each value once' });
    expect(parseLiteral('{"a":true}', P('boolean', 'map'))).toEqual({ ok: true, value: { a: true } });
    expect(parseLiteral('[]', P('struct')).ok).toBe(false);
    expect(parseLiteral('2025-02-29T00:00:00Z', P('date')).ok).toBe(false);
    expect(parseLiteral('2024-02-29T23:59:60.5+01:00', P('date')).ok).toBe(true);
    expect(parseLiteral('aGk=', P('bytes')).ok).toBe(true);
    expect(parseLiteral('aGk', P('bytes')).ok).toBe(false);
  });
  it('checks values like typecheck_json', () => {
    expect(valueProblem(null, P('string'))).not.toBeNull();
    expect(valueProblem(null, P('generic'))).toBeNull();
    expect(valueProblem({ a: 1 }, P('integer', 'map'))).toBeNull();
    expect(valueProblem([{ a: 1 }, { a: 1 }], P('struct', 'set'))).not.toBeNull();
    expect(isRfc3339('2025-01-31T09:00:00Z')).toBe(true);
    expect(isRfc3339('2025-01-31')).toBe(false);
  });
  it('shows values as text', () => {
    expect(literalText('x', P('string'))).toBe('x');
    expect(literalText(3, P('float'))).toBe('3');
    expect(literalText([1], P('integer', 'array'))).toBe('[1]');
    expect(literalText(undefined, P('string'))).toBe('');
  });
});
