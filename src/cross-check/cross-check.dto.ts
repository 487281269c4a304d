import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
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
import { CODE, CODE_MSG, DATE, DATE_MSG, ITEM_CODE, ITEM_MSG } from '../shared/patterns';

export class GroupMemberDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) account?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) title?: string;
}

export class FormGroupDto {
  @IsInt() @Min(1) @Max(99) groupNo: number;
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @ValidateNested() @Type(() => GroupMemberDto) leader: GroupMemberDto;
  @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => GroupMemberDto) members: GroupMemberDto[];
  @ValidateNested() @Type(() => GroupMemberDto) liaison: GroupMemberDto;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(CODE, { each: true, ...CODE_MSG })
  districts: string[];
}

export class AssignDistrictDto {
  @IsInt() @Min(1) @Max(99) groupNo: number;
  @IsString() @IsNotEmpty() @MaxLength(2000) reason: string;
}

export class RecordVisitDto {
  @IsString() @Matches(CODE, CODE_MSG) districtCode: string;
  @IsString() @Matches(DATE, DATE_MSG) visitedOn: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  supervisors: string[];
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(8000) summary?: string;
}

export class SpotCheckDto {
  @IsUUID() subjectId: string;
  @IsString() @Matches(DATE, DATE_MSG) checkedOn: string;
  @IsBoolean() violationFound: boolean;
  @IsBoolean() violationUnpunished: boolean;
  @IsOptional() @IsString() @MaxLength(8000) findings?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(ITEM_CODE, { each: true, ...ITEM_MSG })
  itemCodes?: string[];
}

export class ListVisitsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
}

export class DeclaredItemDto {
  @IsInt() @Min(1) @Max(99) item: number;
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 1 }) points: number;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true }) evidence: string[];
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(4000) note?: string;
}

export class DeclareItemsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => DeclaredItemDto)
  items: DeclaredItemDto[];
}

export class ReviewDto {
  @IsInt() @Min(1) @Max(99) item: number;
  @IsIn(['confirm', 'adjust']) decision: 'confirm' | 'adjust';
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 1 }) points?: number;
  @IsOptional() @IsString() @MaxLength(4000) reason?: string;
}

export class ReviewItemsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ReviewDto)
  reviews: ReviewDto[];
}

export class RubricQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) version?: number;
}

export class EvidencePageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}

export class SubmitEvaluationDto {
  /** the id of the uploaded stamped scan of the form (表格盖章扫描件), from POST /api/v1/files */
  @IsOptional() @IsUUID() stampedScan?: string;
  /** the id of the uploaded electronic file of the form (电子件) */
  @IsOptional() @IsUUID() electronicFile?: string;
}
