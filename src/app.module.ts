import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { NoBodyGuard } from './http/body-rules';
import { ConsistencyInterceptor } from './http/consistency';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthGuard } from './auth/auth.guard';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ChecklistsModule } from './checklists/checklists.module';
import { CrossCheckModule } from './cross-check/cross-check.module';
import { EnforcementModule } from './enforcement/enforcement.module';
import { ReportingModule } from './reporting/reporting.module';
import { SummaryModule } from './summary/summary.module';
import { RemindersModule } from './reminders/reminders.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { AuditModule } from './audit/audit.module';
import { SelfCorrectionModule } from './self-correction/self-correction.module';
import { SubjectsModule } from './subjects/subjects.module';
import { DocsModule } from './docs/docs.module';
import { FilesModule } from './files/files.module';
import { HealthModule } from './health/health.module';
import { ProblemFilter } from './http/problem.filter';
import { CoreDeps, CoreModule } from './infra/core.module';
import { UUID_RE } from './shared/ids';

/** X-Correlation-Id from the caller when it is a UUID, a new one otherwise; echoed on the response. */
export function correlationId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-correlation-id'];
  const id = typeof given === 'string' && UUID_RE.test(given) ? given.toLowerCase() : randomUUID();
  res.setHeader('X-Correlation-Id', id);
  return id;
}

@Module({})
export class AppModule {
  static forRoot(deps: CoreDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: deps.config.logLevel,
            genReqId: correlationId,
            customProps: (req) => ({ correlationId: (req as IncomingMessage & { id?: string }).id }),
            redact: ['req.headers.authorization'],
          },
        }),
        CoreModule.forRoot(deps),
        CampaignsModule,
        ChecklistsModule,
        SubjectsModule,
        SelfCorrectionModule,
        EnforcementModule,
        CrossCheckModule,
        ReportingModule,
        SummaryModule,
        RemindersModule,
        WebhooksModule,
        AuditModule,
        HealthModule,
        DocsModule,
        FilesModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        // a guard, not an interceptor: each interceptor costs every request an AsyncResource.bind
        { provide: APP_GUARD, useClass: NoBodyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: ConsistencyInterceptor },
      ],
    };
  }
}
