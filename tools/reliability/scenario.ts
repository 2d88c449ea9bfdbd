/**
 * A reliability scenario in a process of its own (the handlers read their settings once per process, and
 * what is measured should not share an event loop with the measurer):
 *
 *   node --import tsx tools/reliability/scenario.ts <module> '<options as JSON>'
 * imports `tools/reliability/<module>.ts`, runs its `scenario(options)` and prints `{"result": …}`.
 */
const [name, options = '{}'] = process.argv.slice(2);
const { scenario } = (await import(`./${name}.ts`)) as { scenario: (options: unknown) => Promise<unknown> };
process.stdout.write(`${JSON.stringify({ result: await scenario(JSON.parse(options)) })}\n`);
process.exit(0);
