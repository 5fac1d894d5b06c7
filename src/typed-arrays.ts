/**
 * A typed array twice as long, holding `array`'s values at the front: for scratch arrays that
 * grow as they are filled, and are kept for the next use rather than allocated again.
 */
export function doubled(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer>;
export function doubled(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer>;
export function doubled(array: Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>): Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> {
  const grown = array instanceof Int32Array ? new Int32Array(array.length * 2) : new Uint32Array(array.length * 2);
  grown.set(array);
  return grown;
}
