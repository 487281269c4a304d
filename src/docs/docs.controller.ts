import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { Public } from '../auth/auth.decorators';
import { projectFile } from '../infra/project-root';

/** The swagger-ui-dist package's folder (the package ships no types; its index.js is this). */
const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The Swagger UI files /docs serves, from the npm package (no CDN: deployments may have no internet). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>rectify API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  persistAuthorization: true,
});
`;

/**
 * The contract, served: /openapi.yaml as written, /openapi.json parsed from it, and /docs, an interactive reference
 * (Swagger UI from the swagger-ui-dist package: "Try it out" with a bearer token, no build step, no CDN).
 */
@Controller()
export class DocsController {
  private readonly yaml = readFileSync(projectFile('openapi.yaml'), 'utf8');
  private readonly json = JSON.stringify(parse(this.yaml));

  @Get('openapi.yaml')
  @Public()
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  specYaml(): string {
    return this.yaml;
  }

  @Get('openapi.json')
  @Public()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  specJson(): string {
    return this.json;
  }

  @Get('docs')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
  page(): string {
    return PAGE;
  }

  @Get('docs/:asset')
  @Public()
  @Header('Cache-Control', 'public, max-age=3600')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (asset === 'init.js') {
      res.type('text/javascript; charset=utf-8').send(INIT);
      return;
    }
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (!type) throw new NotFoundException(`no such documentation asset: ${asset}`);
    res.type(type).sendFile(join(swaggerUiDir, asset));
  }
}
