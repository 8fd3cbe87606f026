/**
 * One AMQP 0-9-1 connection over a TCP socket: protocol header, start/tune/open handshake with
 * PLAIN/AMQPLAIN auth, heartbeats, channel multiplexing, content assembly, and error handling
 * (channel errors close the channel; hard errors close the connection). Nothing a client sends
 * can throw out of here: unexpected exceptions become 541 INTERNAL_ERROR on this connection only.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameError, Reader, Writer, type FieldTable } from './codec.js';
import { AmqpError, ReplyCode } from './errors.js';
import { Channel, type ChannelHost } from './channel.js';
import {
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  writeContent,
  writeMethod,
  type Frame,
} from './frames.js';
import { decodeMethod, UnknownMethodError, type MethodArgs } from './methods.js';
import { decodeContentHeader } from './properties.js';
import type { Message, Queue } from './queue.js';
import type { CounterName } from './rates.js';
import type { Vhost } from './vhost.js';

export interface ConnectionContext {
  log: Logger;
  users: ReadonlyMap<string, string>;
  frameMax: number;
  channelMax: number;
  heartbeat: number;
  findVhost(name: string): Vhost | undefined;
  count(queue: Queue | undefined, name: CounterName, n?: number): void;
  closed(conn: Connection): void;
}

type State = 'header' | 'start' | 'tune' | 'open' | 'running' | 'closing' | 'closed';
const HIGH_WATER = 8 * 1024 * 1024;

export class Connection implements ChannelHost {
  readonly id = randomUUID();
  readonly name: string;
  readonly connectedAt = Date.now();
  private state: State = 'header';
  private readonly parser = new FrameParser();
  private inbox = Buffer.alloc(0);
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushQueued = false;
  readonly channels = new Map<number, Channel>();
  user = '';
  private vhostRef?: Vhost;
  clientProperties: FieldTable = {};
  frameMax: number;
  private channelMax: number;
  heartbeat = 0;
  private heartbeatTimer?: NodeJS.Timeout;
  private closeTimer?: NodeJS.Timeout;
  private lastRecv = Date.now();
  private lastSend = Date.now();

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.name = `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}`;
    this.frameMax = ctx.frameMax;
    this.channelMax = ctx.channelMax;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err) => ctx.log.debug({ err: err.message, conn: this.name }, 'amqp socket error'));
    socket.on('close', () => this.cleanup());
    // a client that never sends the protocol header is dropped, like RabbitMQ's handshake_timeout
    this.closeTimer = setTimeout(() => this.state === 'header' && this.socket.destroy(), 10_000);
    this.closeTimer.unref();
  }

  get vhost(): Vhost {
    if (!this.vhostRef) throw new AmqpError(ReplyCode.COMMAND_INVALID, 'connection not open', true);
    return this.vhostRef;
  }
  get vhostName(): string | undefined {
    return this.vhostRef?.name;
  }
  get congested(): boolean {
    return this.outBytes + this.socket.writableLength > HIGH_WATER;
  }
  get isRunning(): boolean {
    return this.state === 'running';
  }

  count(queue: Queue | undefined, name: CounterName, n = 1): void {
    this.ctx.count(queue, name, n);
  }

  // ---- output ----------------------------------------------------------------------------------

  private send(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.out.push(buf);
    this.outBytes += buf.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0 || this.socket.destroyed) return;
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.lastSend = Date.now();
    this.socket.write(data);
  }

  private onDrain(): void {
    for (const ch of this.channels.values()) ch.redispatch();
  }

  sendMethod(channel: number, name: string, args?: Partial<MethodArgs>): void {
    const w = new Writer(64);
    writeMethod(w, channel, name, args);
    this.send(w.result());
  }

  sendContent(channel: number, name: string, args: Partial<MethodArgs>, msg: Message): void {
    const w = new Writer(96 + msg.rawProperties.length + msg.body.length);
    writeMethod(w, channel, name, args);
    writeContent(w, channel, msg.rawProperties, msg.body, this.frameMax);
    this.send(w.result());
  }

  // ---- input -----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    try {
      if (this.state === 'header') {
        this.inbox = Buffer.concat([this.inbox, chunk]);
        if (this.inbox.length < 8) return;
        if (!this.inbox.subarray(0, 8).equals(PROTOCOL_HEADER)) {
          // the spec's answer to an unsupported protocol: our header, then close
          this.socket.end(PROTOCOL_HEADER);
          this.state = 'closed';
          return;
        }
        chunk = this.inbox.subarray(8);
        this.inbox = Buffer.alloc(0);
        this.state = 'start';
        this.sendStart();
        if (chunk.length === 0) return;
      }
      if (this.state === 'closed') return;
      this.parser.push(chunk, (frame) => this.onFrame(frame));
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (err instanceof FrameError) {
      this.closeWith(new AmqpError(ReplyCode.FRAME_ERROR, err.message, true));
    } else if (err instanceof AmqpError) {
      this.closeWith(err);
    } else {
      this.ctx.log.error({ err, conn: this.name }, 'internal error on AMQP connection');
      this.closeWith(new AmqpError(ReplyCode.INTERNAL_ERROR, 'internal error', true));
    }
  }

  private onFrame(frame: Frame): void {
    if (this.state === 'closed') return;
    if (frame.type === FRAME_HEARTBEAT) {
      if (frame.channel !== 0) throw new FrameError('heartbeat frame on a non-zero channel');
      return;
    }
    if (frame.type === FRAME_METHOD) {
      let decoded;
      try {
        decoded = decodeMethod(frame.payload);
      } catch (err) {
        if (err instanceof UnknownMethodError) {
          throw new AmqpError(
            ReplyCode.NOT_IMPLEMENTED,
            `unknown method class ${err.classId} method ${err.methodId}: not implemented by this broker`,
            true,
            err.classId,
            err.methodId,
          );
        }
        throw err;
      }
      const { def, args } = decoded;
      if (this.state === 'closing') {
        if (def.name === 'connection.close-ok' || def.name === 'connection.close') this.finish();
        return;
      }
      try {
        if (frame.channel === 0) this.onConnectionMethod(def.name, args);
        else this.onChannelMethod(frame.channel, def.name, args);
      } catch (err) {
        if (err instanceof AmqpError) this.raise(frame.channel, err.withMethod(def.classId, def.methodId));
        else throw err;
      }
      return;
    }
    if (frame.type === FRAME_HEADER || frame.type === FRAME_BODY) {
      if (this.state === 'closing') return;
      try {
        this.onContent(frame);
      } catch (err) {
        if (err instanceof AmqpError) this.raise(frame.channel, err.withMethod(60, 40));
        else throw err;
      }
      return;
    }
    throw new FrameError(`unknown frame type ${frame.type}`);
  }

  /** Routes an AmqpError to a channel close or a connection close. */
  private raise(channel: number, err: AmqpError): void {
    if (err.connection || channel === 0) {
      this.closeWith(err);
      return;
    }
    const ch = this.channels.get(channel);
    if (!ch) {
      this.closeWith(err);
      return;
    }
    ch.teardown();
    this.sendMethod(channel, 'channel.close', {
      replyCode: err.code,
      replyText: err.message,
      classId: err.classId,
      methodId: err.methodId,
    });
  }

  private sendStart(): void {
    this.sendMethod(0, 'connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: {
        product: 'sockshop-lab broker',
        version: '3.10-compatible',
        platform: `Node.js ${process.version}`,
        information: 'Embedded AMQP 0-9-1 broker of sockshop-lab',
        capabilities: {
          publisher_confirms: true,
          exchange_exchange_bindings: false,
          'basic.nack': true,
          consumer_cancel_notify: true,
          'connection.blocked': false,
          consumer_priorities: false,
          authentication_failure_close: true,
          per_consumer_qos: true,
          direct_reply_to: false,
        },
      },
      mechanisms: Buffer.from('PLAIN AMQPLAIN'),
      locales: Buffer.from('en_US'),
    });
  }

  private authenticate(mechanism: string, response: Buffer): string | undefined {
    let user: string | undefined;
    let pass: string | undefined;
    if (mechanism === 'PLAIN') {
      const parts = response.toString('utf8').split('\0');
      if (parts.length === 3) [, user, pass] = parts;
    } else if (mechanism === 'AMQPLAIN') {
      // AMQPLAIN's response is a field table body without its length prefix
      const framed = new Writer(response.length + 4).longstr(response).result();
      try {
        const t = new Reader(framed).table();
        user = typeof t.LOGIN === 'string' ? t.LOGIN : undefined;
        pass = typeof t.PASSWORD === 'string' ? t.PASSWORD : undefined;
      } catch {
        return undefined;
      }
    }
    return user !== undefined && this.ctx.users.get(user) === pass ? user : undefined;
  }

  private onConnectionMethod(name: string, args: MethodArgs): void {
    const expect = (state: State) => {
      if (this.state !== state)
        throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected ${name} in state ${this.state}`, true);
    };
    switch (name) {
      case 'connection.start-ok': {
        expect('start');
        this.clientProperties = args.clientProperties as FieldTable;
        const mechanism = args.mechanism as string;
        const user = this.authenticate(mechanism, args.response as Buffer);
        if (!user) {
          throw new AmqpError(
            ReplyCode.ACCESS_REFUSED,
            `Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`,
            true,
          );
        }
        this.user = user;
        this.state = 'tune';
        this.sendMethod(0, 'connection.tune', {
          channelMax: this.channelMax,
          frameMax: this.frameMax,
          heartbeat: this.ctx.heartbeat,
        });
        return;
      }
      case 'connection.tune-ok': {
        expect('tune');
        const frameMax = args.frameMax as number;
        if (frameMax !== 0 && frameMax < 4096)
          throw new AmqpError(ReplyCode.SYNTAX_ERROR, `frame_max=${frameMax} < 4096 min size`, true);
        if (frameMax > this.frameMax)
          throw new AmqpError(
            ReplyCode.SYNTAX_ERROR,
            `frame_max=${frameMax} > ${this.frameMax} max size`,
            true,
          );
        if (frameMax) this.frameMax = frameMax;
        this.parser.frameMax = this.frameMax;
        const channelMax = args.channelMax as number;
        if (channelMax) this.channelMax = Math.min(this.channelMax, channelMax);
        this.startHeartbeat(args.heartbeat as number);
        this.state = 'open';
        return;
      }
      case 'connection.open': {
        expect('open');
        const vhost = this.ctx.findVhost(args.virtualHost as string);
        if (!vhost)
          throw new AmqpError(ReplyCode.NOT_ALLOWED, `vhost ${args.virtualHost as string} not found`, true);
        this.vhostRef = vhost;
        this.state = 'running';
        this.sendMethod(0, 'connection.open-ok');
        return;
      }
      case 'connection.close':
        this.sendMethod(0, 'connection.close-ok');
        this.flush();
        this.finish();
        return;
      case 'connection.close-ok':
        this.finish();
        return;
      default:
        throw new AmqpError(
          ReplyCode.NOT_IMPLEMENTED,
          `method ${name} on channel 0 is not implemented by this broker`,
          true,
        );
    }
  }

  private onChannelMethod(number: number, name: string, args: MethodArgs): void {
    if (this.state !== 'running')
      throw new AmqpError(ReplyCode.COMMAND_INVALID, `${name} before connection.open`, true);
    const ch = this.channels.get(number);
    if (name === 'channel.open') {
      if (ch)
        throw new AmqpError(ReplyCode.CHANNEL_ERROR, `second 'channel.open' seen on channel ${number}`, true);
      if (number > this.channelMax)
        throw new AmqpError(
          ReplyCode.CHANNEL_ERROR,
          `channel ${number} above channel_max ${this.channelMax}`,
          true,
        );
      this.channels.set(number, new Channel(number, this));
      this.sendMethod(number, 'channel.open-ok');
      return;
    }
    if (!ch)
      throw new AmqpError(ReplyCode.CHANNEL_ERROR, `expected 'channel.open' on channel ${number}`, true);
    if (name === 'channel.close') {
      ch.teardown();
      this.channels.delete(number);
      this.sendMethod(number, 'channel.close-ok');
      return;
    }
    if (name === 'channel.close-ok') {
      this.channels.delete(number);
      return;
    }
    if (ch.closing) return; // after our channel.close, everything but close/close-ok is dropped
    if (ch.pending)
      throw new AmqpError(
        ReplyCode.UNEXPECTED_FRAME,
        `expected content header for class 60, got ${name}`,
        true,
      );
    ch.handle(name, args);
  }

  private onContent(frame: Frame): void {
    const ch = this.channels.get(frame.channel);
    if (ch?.closing) return;
    const p = ch?.pending;
    if (!ch || !p)
      throw new AmqpError(
        ReplyCode.UNEXPECTED_FRAME,
        `content frame on channel ${frame.channel} without basic.publish`,
        true,
      );
    if (frame.type === FRAME_HEADER) {
      if (p.bodySize >= 0) throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'second content header', true);
      const header = decodeContentHeader(frame.payload);
      if (header.classId !== 60)
        throw new AmqpError(ReplyCode.FRAME_ERROR, `content header for class ${header.classId}`, true);
      p.bodySize = header.bodySize;
      p.rawProperties = Buffer.from(header.rawProperties);
    } else {
      if (p.bodySize < 0)
        throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'body frame before content header', true);
      p.chunks.push(Buffer.from(frame.payload));
      p.received += frame.payload.length;
      if (p.received > p.bodySize)
        throw new AmqpError(ReplyCode.FRAME_ERROR, 'body larger than the content header announced', true);
    }
    if (p.received === p.bodySize) {
      ch.pending = undefined;
      ch.publish(p, p.chunks.length === 1 ? p.chunks[0] : Buffer.concat(p.chunks));
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  private startHeartbeat(seconds: number): void {
    this.heartbeat = seconds;
    if (!seconds) return;
    const intervalMs = (seconds * 1000) / 2;
    this.heartbeatTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.lastRecv > seconds * 2000) {
        this.ctx.log.info({ conn: this.name }, 'missed heartbeats from client, closing');
        this.socket.destroy();
        return;
      }
      if (now - this.lastSend >= intervalMs) this.send(HEARTBEAT_FRAME);
    }, intervalMs);
    this.heartbeatTimer.unref();
  }

  /** Hard error: connection.close, then wait (at most 1 s) for close-ok before dropping the socket. */
  closeWith(err: AmqpError): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.ctx.log.info({ conn: this.name, code: err.code, reason: err.message }, 'closing AMQP connection');
    this.sendMethod(0, 'connection.close', {
      replyCode: err.code,
      replyText: err.message,
      classId: err.classId,
      methodId: err.methodId,
    });
    this.flush();
    this.state = 'closing';
    this.releaseChannels();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.finish(), 1000);
    this.closeTimer.unref();
  }

  /** Broker shutdown: tell the client (320 CONNECTION_FORCED) like RabbitMQ does. */
  forceClose(reason: string): void {
    if (this.state === 'running') this.closeWith(new AmqpError(ReplyCode.CONNECTION_FORCED, reason, true));
    else this.finish();
  }

  private finish(): void {
    this.flush();
    this.socket.end();
    this.cleanup();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  private releaseChannels(): void {
    for (const ch of this.channels.values()) ch.teardown();
    this.channels.clear();
  }

  private cleanup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.releaseChannels();
    if (this.vhostRef) {
      for (const q of [...this.vhostRef.queues.values()])
        if (q.exclusiveOwner === this.id) this.vhostRef.deleteQueue(q);
    }
    this.ctx.closed(this);
  }
}
