// The few of sql.js's API that rpmdb.ts uses (the package ships no types).
declare module 'sql.js' {
	export interface QueryResult {
		columns: string[];
		values: unknown[][];
	}
	export interface Database {
		exec(sql: string): QueryResult[];
		close(): void;
	}
	export interface SqlJsStatic {
		Database: new (data?: Uint8Array) => Database;
	}
	export default function initSqlJs(config?: Record<string, unknown>): Promise<SqlJsStatic>;
}
