import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PARTIES, PHASES, SUBJECT_TYPES } from '../domain';
import type { Party, PhaseId, SubjectType } from '../domain';

import { CODE, CODE_MSG, DATE, DATE_MSG, KEY, TEMPLATE_ID, TEMPLATE_MSG } from '../shared/patterns';
import { TIME_OF_DAY } from '../domain/reminder-schedule';

export class DistrictDto {
  @IsString() @Matches(CODE, CODE_MSG) code: string;
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
}

export class PhasePlanDto {
  @IsIn(PHASES) id: PhaseId;
  @IsString() @Matches(DATE, DATE_MSG) start: string;
  @IsString() @Matches(DATE, DATE_MSG) end: string;
}

export class DeadlineDto {
  @IsString() @Matches(KEY, { message: '$property must be kebab-case' }) @MaxLength(64) key: string;
  @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @IsString() @Matches(DATE, DATE_MSG) due: string;
  @IsIn(PARTIES) owedBy: Party;
}

export class ChecklistChoiceDto {
  @IsIn(SUBJECT_TYPES) subjectType: SubjectType;
  @IsString() @Matches(TEMPLATE_ID, TEMPLATE_MSG) templateId: string;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) version?: number;
}

export class ChooseChecklistDto {
  @IsString() @Matches(TEMPLATE_ID, TEMPLATE_MSG) templateId: string;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) version?: number;
}

export class LaunchCampaignDto {
  @IsOptional() @IsUUID() id?: string;
  @IsString() @IsNotEmpty() @MaxLength(300) title: string;
  @IsString() @IsNotEmpty() @MaxLength(200) issuer: string;
  @IsString() @Matches(CODE, CODE_MSG) jurisdiction: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DistrictDto)
  districts: DistrictDto[];
  @IsArray() @ArrayMinSize(1) @IsIn(SUBJECT_TYPES, { each: true }) subjectTypes: SubjectType[];
  @IsArray()
  @ArrayMinSize(4)
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => PhasePlanDto)
  phases: PhasePlanDto[];
  @IsArray() @ArrayMaxSize(200) @ValidateNested({ each: true }) @Type(() => DeadlineDto) deadlines: DeadlineDto[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => ChecklistChoiceDto)
  checklists?: ChecklistChoiceDto[];
}

export class ReminderScheduleDto {
  @IsArray()
  @ArrayMaxSize(6)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(60, { each: true })
  daysBefore: number[];
  @IsInt() @Min(1) @Max(30) overdueAfterDays: number;
  @IsString() @Matches(TIME_OF_DAY, { message: 'at must be a time of day HH:MM (Asia/Shanghai)' }) at: string;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
}

export class SetDeadlineDto {
  @IsString() @Matches(DATE, DATE_MSG) due: string;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) title?: string;
  @IsOptional() @IsIn(PARTIES) owedBy?: Party;
}

export class ListCampaignsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) jurisdiction?: string;
  @IsOptional() @IsIn(['launched', 'in-progress', 'completed']) status?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}

export class HistoryQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) fromVersion?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
