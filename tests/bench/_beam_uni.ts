import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
const [name, budgetS, threads] = process.argv.slice(2);
const field = await openField('/work/shared/data/images/' + name);
const r = await runFitTask(field, { method: 'elm', budget: Number(budgetS), threads: Number(threads ?? 1) });
console.log(JSON.stringify({ name, budget: budgetS, psnr: +r.report.psnr.toFixed(3), seconds: r.report.seconds, fit: r.report.seconds_fit, params: r.report.params, cells: r.report.mesh.cells, hidden: r.report.mesh.hidden, freq: r.report.mesh.freq }));
