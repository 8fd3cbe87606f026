/** AMQP 0-9-1 framing: the protocol header, frame splitting with size checks, and frame building. */
import { FrameError, Writer } from './codec.js';
import { encodeMethodPayload, methodDef, type MethodArgs } from './methods.js';

export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
/** Frame header (type, channel, size) plus the frame-end octet. */
export const FRAME_OVERHEAD = 8;
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

export interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

/** Incremental frame splitter; throws FrameError on a bad frame-end or an oversized frame. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);
  frameMax = 131072;

  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    while (buf.length - pos >= 7) {
      const type = buf.readUInt8(pos);
      const channel = buf.readUInt16BE(pos + 1);
      const size = buf.readUInt32BE(pos + 3);
      if (size + FRAME_OVERHEAD > this.frameMax) {
        throw new FrameError(
          `frame size ${size + FRAME_OVERHEAD} exceeds negotiated frame_max ${this.frameMax}`,
        );
      }
      if (buf.length - pos < size + FRAME_OVERHEAD) break;
      if (buf[pos + 7 + size] !== FRAME_END) throw new FrameError('frame end marker 0xCE missing');
      onFrame({ type, channel, payload: buf.subarray(pos + 7, pos + 7 + size) });
      pos += size + FRAME_OVERHEAD;
    }
    // copy the tail so the socket's chunk buffer can be released
    buf = buf.subarray(pos);
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

function startFrame(w: Writer, type: number, channel: number): number {
  w.octet(type).short(channel);
  const sizeAt = w.length;
  w.long(0);
  return sizeAt;
}

function endFrame(w: Writer, sizeAt: number): void {
  w.setLong(sizeAt, w.length - sizeAt - 4);
  w.octet(FRAME_END);
}

export function writeMethod(w: Writer, channel: number, name: string, args?: Partial<MethodArgs>): void {
  const sizeAt = startFrame(w, FRAME_METHOD, channel);
  encodeMethodPayload(w, methodDef(name), args);
  endFrame(w, sizeAt);
}

/** Writes the content header and the body split into frames no larger than frameMax. */
export function writeContent(
  w: Writer,
  channel: number,
  rawProperties: Buffer,
  body: Buffer,
  frameMax: number,
): void {
  let sizeAt = startFrame(w, FRAME_HEADER, channel);
  w.short(60).short(0).longlong(body.length).raw(rawProperties);
  endFrame(w, sizeAt);
  const chunk = Math.max(1, frameMax - FRAME_OVERHEAD);
  for (let off = 0; off < body.length; off += chunk) {
    sizeAt = startFrame(w, FRAME_BODY, channel);
    w.raw(body.subarray(off, Math.min(body.length, off + chunk)));
    endFrame(w, sizeAt);
  }
}

export function methodFrame(channel: number, name: string, args?: Partial<MethodArgs>): Buffer {
  const w = new Writer(128);
  writeMethod(w, channel, name, args);
  return Buffer.from(w.result());
}

export const HEARTBEAT_FRAME = Buffer.from([FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);
