import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CODE, CODE_MSG, DATE, DATE_MSG } from '../shared/patterns';
import { TIP_CHANNELS } from './public-tip.decider';
import type { TipChannel } from './public-tip.decider';
import { ADOPTION_LEVELS } from './typical-case.decider';
import type { AdoptionLevel } from './typical-case.decider';

export class FiguresDto {
  @IsInt() @Min(0) @Max(1e7) inspections: number;
  @IsInt() @Min(0) @Max(1e7) penalties: number;
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }) @Min(0) @Max(1e11) finesCny: number;
  @IsInt() @Min(0) @Max(1e7) cases: number;
}

export class MonthlyReportDto {
  @ValidateNested() @Type(() => FiguresDto) figures: FiguresDto;
  @IsOptional() @IsString() @MaxLength(8000) note?: string;
}

export class RecordCaseDto {
  @IsString() @Matches(CODE, CODE_MSG) districtCode: string;
  @IsOptional() @IsUUID() subjectId?: string;
  @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @IsString() @IsNotEmpty() @MaxLength(8000) violation: string;
  @IsString() @IsNotEmpty() @MaxLength(4000) penalty: string;
  @IsString() @IsNotEmpty() @MaxLength(20000) summary: string;
  /** ids of uploaded files (POST /api/v1/files): the case's materials */
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsUUID('all', { each: true }) materials?: string[];
}

export class AdoptCaseDto {
  @IsIn(ADOPTION_LEVELS) level: AdoptionLevel;
  @IsString() @Matches(DATE, DATE_MSG) adoptedOn: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000) note?: string;
}

export class ExposeCaseDto {
  @IsString() @Matches(DATE, DATE_MSG) exposedOn: string;
  @IsString() @IsNotEmpty() @MaxLength(200) outlet: string;
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) @MaxLength(2000) url?: string;
}

export class ListCasesQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(['city', 'ministry', 'any']) adopted?: string;
}

export class ReceiveTipDto {
  @IsIn(TIP_CHANNELS) channel: TipChannel;
  @IsDateString({ strict: true }) receivedAt: string;
  @IsString() @IsNotEmpty() @MaxLength(20000) content: string;
  @IsOptional() @IsUUID() subjectId?: string;
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) districtCode?: string;
}

export class AssignTipDto {
  @IsString() @Matches(CODE, CODE_MSG) districtCode: string;
}

export class VerifyTipDto {
  @IsBoolean() substantiated: boolean;
  @IsString() @IsNotEmpty() @MaxLength(8000) note: string;
}

export class HandleTipDto {
  @IsOptional() @IsUUID() inspectionId?: string;
  @IsOptional() @IsUUID() penaltyId?: string;
  @IsString() @IsNotEmpty() @MaxLength(8000) note: string;
}

export class CloseTipDto {
  @IsString() @IsNotEmpty() @MaxLength(8000) outcome: string;
}

export class ListTipsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(['received', 'assigned', 'verified', 'handled', 'closed', 'overdue']) status?: string;
}
