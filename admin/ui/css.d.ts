/** Stylesheets imported by the admin script arrive as text (esbuild's `text` loader, admin/assets.ts). */
declare module '*.css' {
  const text: string;
  export default text;
}
