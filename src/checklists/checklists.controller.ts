import { Controller, Get, Param, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { READ_ROLES, Roles } from '../auth/auth.decorators';
import { ValidationProblem } from '../http/problem';
import { notFound } from '../shared/decider';
import { TEMPLATE_ID } from '../shared/patterns';
import { CHECKLISTS } from './checklist';

export class TemplateQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) version?: number;
}

/** The versioned checklist templates (domain.md §3), item texts verbatim from the source documents. */
@Controller('api/v1/checklists')
export class ChecklistsController {
  @Get()
  @Roles(...READ_ROLES)
  list() {
    return {
      items: CHECKLISTS.list().map(({ items, ...t }) => ({ ...t, itemCount: items.length })),
    };
  }

  @Get(':templateId')
  @Roles(...READ_ROLES)
  get(@Param('templateId') templateId: string, @Query() q: TemplateQuery) {
    if (!TEMPLATE_ID.test(templateId)) {
      throw new ValidationProblem([
        { field: 'templateId', rule: 'matches', message: 'templateId must be a template id such as CQ2022-TI' },
      ]);
    }
    const t = CHECKLISTS.get(templateId, q.version);
    if (!t) throw notFound(`no checklist template ${templateId}${q.version ? ` version ${q.version}` : ''}`);
    const versions = CHECKLISTS.list()
      .filter((x) => x.templateId === templateId)
      .map((x) => x.version);
    return { ...t, versions };
  }
}
