import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PENALTY_KINDS, SUBJECT_TYPES } from '../domain';
import type { PenaltyKind, SubjectType } from '../domain';
import { CODE, CODE_MSG, DATE, DATE_MSG, ITEM_CODE, ITEM_MSG } from '../shared/patterns';

export class ScheduleInspectionDto {
  @IsUUID() subjectId: string;
  @IsString() @Matches(DATE, DATE_MSG) plannedOn: string;
}

export class OfficerDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @IsString() @IsNotEmpty() @MaxLength(50) badgeNumber: string;
}

export class ConductDto {
  @IsString() @Matches(DATE, DATE_MSG) conductedOn: string;
  @IsArray()
  @ArrayMinSize(2, { message: 'officers must list at least two officers (执法人员不得少于两人)' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => OfficerDto)
  officers: OfficerDto[];
}

export class IssueOrderDto {
  @IsString() @Matches(ITEM_CODE, ITEM_MSG) itemCode: string;
  @IsString() @IsNotEmpty() @MaxLength(4000) measure: string;
  @IsString() @Matches(DATE, DATE_MSG) deadline: string;
}

export class PeriodDto {
  @IsString() @Matches(DATE, DATE_MSG) from: string;
  @IsString() @Matches(DATE, DATE_MSG) to: string;
}

export class PenaltyDto {
  @IsIn(PENALTY_KINDS) kind: PenaltyKind;
  @IsString() @Matches(ITEM_CODE, ITEM_MSG) itemCode: string;
  @IsString() @IsNotEmpty() @MaxLength(2000) legalBasis: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }) @Max(1e11) amountCny?: number;
  @IsOptional() @ValidateNested() @Type(() => PeriodDto) period?: PeriodDto;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(4000) note?: string;
}

export class ListInspectionsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(SUBJECT_TYPES) type?: SubjectType;
  @IsOptional() @IsUUID() subjectId?: string;
  @IsOptional() @IsIn(['scheduled', 'conducted', 'completed']) status?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}
