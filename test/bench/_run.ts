import bench from './sandbox.bench.js';
console.log(JSON.stringify(await bench(), null, 1));
