/** Until `predicate` holds (a jump puts the cursor on its row a render later), at most `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
	for (let waited = 0; waited < timeoutMs && !predicate(); waited += 20) await new Promise(resolve => setTimeout(resolve, 20));
}
