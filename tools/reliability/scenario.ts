/**
 * A reliability scenario in a process of its own (the handlers read their settings once per process, and
 * what is measured should not share an event loop with the measurer):
 *
 *   node --import tsx tools/reliability/scenario.ts <module> <function> '<options as JSON>'
 * imports `tools/reliability/<module>.ts`, runs its `<function>(options)` and prints `{"result": …}`.
 */
const [name, fn = '', options = '{}'] = process.argv.slice(2);
const exported = (await import(`./${name}.ts`)) as Record<string, (options: unknown) => Promise<unknown>>;
const scenario = exported[fn];
if (!scenario) throw new Error(`tools/reliability/${name}.ts exports no function ${fn}`);
process.stdout.write(`${JSON.stringify({ result: await scenario(JSON.parse(options)) })}\n`);
process.exit(0);
