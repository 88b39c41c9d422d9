// seek-bzip ships no types; only the whole-buffer decoder is used.
declare module 'seek-bzip' {
  const Bunzip: { decode(input: Uint8Array, output?: Uint8Array, multistream?: boolean): Buffer };
  export default Bunzip;
}
