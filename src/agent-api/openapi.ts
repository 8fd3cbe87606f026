/** The OpenAPI 3.1 document of the REST API, generated from the tools' zod schemas. */
import { listTools } from './registry.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          enum: [
            'invalid_argument',
            'unauthorized',
            'not_found',
            'conflict',
            'refused',
            'unavailable',
            'internal',
          ],
        },
        message: { type: 'string' },
      },
    },
  },
};

const errorResponses = Object.fromEntries(
  [
    ['400', 'malformed call (each zod issue as "field: problem")'],
    ['401', 'missing or wrong bearer token'],
    ['404', 'unknown tool or object'],
    ['409', 'refused: conflicts with the current state'],
    ['422', 'refused: cannot be done (e.g. a query that fails to evaluate)'],
    ['503', 'a dependency (broker, store admin, shop route) is unavailable'],
  ].map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/api/v1/tools': {
      get: {
        operationId: 'listTools',
        summary: 'Every tool with its kind and the JSON Schema of its arguments',
        responses: { '200': { description: 'the tools' }, '401': errorResponses['401'] },
      },
    },
  };
  for (const tool of listTools()) {
    paths[`/api/v1/tools/${tool.name}`] = {
      post: {
        operationId: tool.name,
        summary: tool.description,
        tags: [tool.kind],
        requestBody: { required: false, content: { 'application/json': { schema: tool.inputSchema } } },
        responses: {
          '200': {
            description: 'the answer (JSON, bounded)',
            content: { 'application/json': { schema: { type: 'object', properties: { result: {} } } } },
          },
          ...errorResponses,
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sockshop-lab agent API',
      version: '1',
      description:
        'Tools to investigate and fix the lab. POST a JSON object of arguments to /api/v1/tools/<name>; the answer is {"result": …}. The same tools are served over MCP at /mcp.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
