export { type CharacterSource } from './character-source.js';
export { SwipeError, type SwipeErrorCode } from './errors.js';
export { hasKeyEvents, KeyboardWedgeCharacters, keyEventsFor, UNKNOWN_KEY, type KeyEvent, type KeyEventPorts, type KeyEventSource } from './keyboard-wedge.js';
export { StreamMagstripeReader, type MagstripeReader, type StreamReaderOptions } from './magstripe-reader.js';
export { SerialCharacters } from './serial-characters.js';
export { MagstripeSwipe } from './swipe.js';
export { TrackAssembler, type AssemblerOptions, type FeedResult } from './track-assembler.js';
