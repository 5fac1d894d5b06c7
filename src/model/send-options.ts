/**
 * The flags a `WdfRequestSend` call is made with, read from its WDF_REQUEST_SEND_OPTIONS.
 */
import type { CallFact } from '../parser/facts.js';
import type { FunctionInfo } from './functions.js';
import { at, type Location } from './location.js';
import { hasFlag, structStateAt } from './struct-state.js';

export interface SendOptions {
  readonly synchronous: boolean;
  readonly sendAndForget: boolean;
  /** Where the flags were set, for the path. */
  readonly setAt?: Location;
}

/** Undefined when the options come from somewhere drvcheck cannot follow. */
export function sendOptionsOf(fn: FunctionInfo, send: CallFact, optionsArg = 2): SendOptions | undefined {
  const arg = send.args[optionsArg];
  const core = send.argCores[optionsArg];
  if (arg === undefined || core === undefined) return undefined;
  const state = structStateAt(fn, arg, core, send.span.startOffset);
  if (state.kind === 'none') return { synchronous: false, sendAndForget: false };
  if (state.kind === 'unknown') return undefined;
  const flags = state.fields.get('Flags');
  if (!flags) return { synchronous: false, sendAndForget: false };
  if (!/^[\w\s|()]+$/.test(flags.value)) return undefined;
  return {
    synchronous: hasFlag(flags.value, 'WDF_REQUEST_SEND_OPTION_SYNCHRONOUS'),
    sendAndForget: hasFlag(flags.value, 'WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET'),
    setAt: at(fn.file, flags.span),
  };
}
