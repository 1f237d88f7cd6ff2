import { describe, expect, it } from 'vitest';
import { expandPins, formatPlaceholders, parseRef, pinKey, refKey, splitKey } from '../src/lib/pins';
import { catalog } from './helpers';

const cat = catalog();

describe('parseRef (the server’s parse_ref)', () => {
  it('splits at the last dot; #k only in the pin part', () => {
    expect(parseRef('start.exec_out')).toEqual({ node: 'start', pin: 'exec_out', copy: 1 });
    expect(parseRef('seq.exec_out#3')).toEqual({ node: 'seq', pin: 'exec_out', copy: 3 });
    expect(parseRef('a.b.c')).toEqual({ node: 'a.b', pin: 'c', copy: 1 });
    expect(parseRef('n#1.pin')).toEqual({ node: 'n#1', pin: 'pin', copy: 1 });
  });
  it('refuses what the server refuses', () => {
    expect(parseRef('nodot')).toBeNull();
    expect(parseRef('.pin')).toBeNull();
    expect(parseRef('node.')).toBeNull();
    expect(parseRef('node.#2')).toBeNull();
    expect(parseRef('n.p#0')?.copy).toBe(0);
    expect(parseRef('n.p#x')?.copy).toBe(0);
    expect(parseRef('n.p#257')?.copy).toBe(0);
  });
  it('handle keys: copy 1 is the bare name', () => {
    expect(pinKey('exec_out', 1)).toBe('exec_out');
    expect(pinKey('exec_out', 2)).toBe('exec_out#2');
    expect(refKey(parseRef('s.exec_out#1')!)).toBe('exec_out');
    expect(splitKey('boolean#4')).toEqual({ name: 'boolean', copy: 4 });
  });
});

describe('expandPins', () => {
  it('copies repeated pins pin_counts times, default 2', () => {
    const def = cat.get('control_sequence')!;
    expect(expandPins(def, { id: 's', type: 'control_sequence' }).map((p) => p.key)).toEqual(['exec_in', 'exec_out', 'exec_out#2']);
    const three = expandPins(def, { id: 's', type: 'control_sequence', pin_counts: { exec_out: 3 } });
    expect(three.filter((p) => p.direction === 'out').map((p) => p.key)).toEqual(['exec_out', 'exec_out#2', 'exec_out#3']);
    expect(three.every((p) => p.name !== 'exec_out' || (p.repeated && p.count === 3))).toBe(true);
  });
  it('string_format gets one generic input per placeholder', () => {
    const def = cat.get('string_format')!;
    const pins = expandPins(def, { id: 'f', type: 'string_format', inputs: { format_string: 'Hi {name}, {{not}} {n_2} {name} {bad-one} {format_string}' } });
    expect(pins.filter((p) => p.dynamic === 'format').map((p) => p.key)).toEqual(['name', 'n_2']);
  });
  it('handle_errors adds the error pins to nodes with execution pins only', () => {
    const fetch = expandPins(cat.get('repair_parse')!, { id: 'p', type: 'repair_parse', handle_errors: true });
    expect(fetch.filter((p) => p.dynamic === 'error').map((p) => `${p.key}:${p.type}`)).toEqual(['auto_handle_error:execution', 'auto_handle_error_string:string']);
    expect(expandPins(cat.get('int_add')!, { id: 'a', type: 'int_add', handle_errors: true }).some((p) => p.dynamic === 'error')).toBe(false);
  });
  it('extra_pins become outputs of events_generic', () => {
    const pins = expandPins(cat.get('events_generic')!, { id: 'e', type: 'events_generic', extra_pins: [{ name: 'customer', type: 'string' }, { name: 'payload' }] });
    expect(pins.filter((p) => p.dynamic === 'extra').map((p) => `${p.key}:${p.type}`)).toEqual(['customer:string']);
  });
  it('unknown types have no pins', () => {
    expect(expandPins(undefined, { id: 'x', type: 'nope' })).toEqual([]);
  });
  it('placeholders', () => {
    expect(formatPlaceholders('{a}{b}{a}')).toEqual(['a', 'b']);
    expect(formatPlaceholders('{{a}}')).toEqual([]);
    expect(formatPlaceholders('{open')).toEqual([]);
  });
});
