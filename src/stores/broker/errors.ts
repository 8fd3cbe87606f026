/** AMQP reply codes and the error type that carries one to a channel.close / connection.close. */

export const ReplyCode = {
  CONTENT_TOO_LARGE: 311,
  NO_ROUTE: 312,
  NO_CONSUMERS: 313,
  CONNECTION_FORCED: 320,
  INVALID_PATH: 402,
  ACCESS_REFUSED: 403,
  NOT_FOUND: 404,
  RESOURCE_LOCKED: 405,
  PRECONDITION_FAILED: 406,
  FRAME_ERROR: 501,
  SYNTAX_ERROR: 502,
  COMMAND_INVALID: 503,
  CHANNEL_ERROR: 504,
  UNEXPECTED_FRAME: 505,
  RESOURCE_ERROR: 506,
  NOT_ALLOWED: 530,
  NOT_IMPLEMENTED: 540,
  INTERNAL_ERROR: 541,
} as const;

const names = Object.fromEntries(Object.entries(ReplyCode).map(([k, v]) => [v, k])) as Record<number, string>;

/**
 * A protocol error. `connection` errors close the whole connection (hard errors in the spec);
 * the others close only the channel. The reply text follows RabbitMQ's "NAME - detail" shape.
 */
export class AmqpError extends Error {
  constructor(
    readonly code: number,
    detail: string,
    readonly connection = false,
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    super(`${names[code] ?? 'ERROR'} - ${detail}`);
  }

  withMethod(classId: number, methodId: number): AmqpError {
    return this.classId || this.methodId
      ? this
      : new AmqpError(this.code, this.message.replace(/^[A-Z_]+ - /, ''), this.connection, classId, methodId);
  }
}

export const notFound = (what: string) => new AmqpError(ReplyCode.NOT_FOUND, what);
export const preconditionFailed = (what: string) => new AmqpError(ReplyCode.PRECONDITION_FAILED, what);
export const accessRefused = (what: string) => new AmqpError(ReplyCode.ACCESS_REFUSED, what);
export const vhostLabel = (vhost: string) => `vhost '${vhost}'`;
