/**
 * The GitHub release description (release plan, Phase 3 "Create GitHub
 * release"), rendered from data the release already has: the changelog
 * section and the packages that were published.
 */

export interface PublishedPackage {
  name: string;
  version: string;
  /** the registry page, e.g. https://crates.io/crates/micromegas/0.12.0 */
  url: string;
  /** a crate's targets: a library is added (`cargo add`), binaries are installed (`cargo install`); default lib */
  targets?: { lib: boolean; bin: boolean };
}

export interface ReleaseNotesInput {
  /** the title's product name; 'Release' when absent */
  product?: string;
  version: string;
  date: string;
  /** the changelog section body, see `sectionBody` */
  whatsNew?: string;
  crates?: PublishedPackage[];
  python?: PublishedPackage;
  npm?: PublishedPackage[];
  /** e.g. https://github.com/madesroches/micromegas */
  repository?: string;
  previousTag?: string;
}

function byName(packages: PublishedPackage[] = []): PublishedPackage[] {
  return [...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function bullets(packages: PublishedPackage[]): string {
  return packages.map((p) => `- [${p.name} ${p.version}](${p.url})`).join('\n');
}

/** How a crate is used: a library is a dependency to add, a binary a tool to install; a crate with both gets both. */
function cargoInstall(c: PublishedPackage): string[] {
  const { lib, bin } = c.targets ?? { lib: true, bin: false };
  return [
    ...(lib || !bin ? [`cargo add ${c.name}@${c.version}`] : []),
    ...(bin ? [`cargo install ${c.name}@${c.version}`] : []),
  ];
}

/** Markdown for the release description; sections with nothing to say are left out. */
export function renderReleaseNotes(input: ReleaseNotesInput): string {
  const version = input.version.replace(/^v/, '');
  const tag = `v${version}`;
  const crates = byName(input.crates);
  const npm = byName(input.npm);
  const python = input.python;
  const whatsNew = (input.whatsNew ?? '').replace(/\r\n/g, '\n').trim();
  const repository = input.repository?.replace(/\/+$/, '');

  const sections: string[] = [`# ${input.product ?? 'Release'} ${tag}`, `Released ${input.date}.`];
  const section = (title: string, body: string) => {
    if (body) sections.push(`## ${title}\n\n${body}`);
  };
  section("What's New", whatsNew);
  section('Rust Crates', bullets(crates));
  section('Python Package', python ? bullets([python]) : '');
  section('npm Packages', bullets(npm));

  const install = [
    ...crates.flatMap((c) => cargoInstall(c)),
    ...(python ? [`pip install ${python.name}==${python.version}`] : []),
    ...npm.map((p) => `npm i ${p.name}@${p.version}`),
  ];
  section('Installation', install.length ? ['```bash', ...install, '```'].join('\n') : '');

  section(
    'Full Changelog',
    repository && input.previousTag
      ? `${repository}/compare/${input.previousTag}...${tag}`
      : repository
        ? `See [CHANGELOG.md](${repository}/blob/${tag}/CHANGELOG.md).`
        : 'See CHANGELOG.md.',
  );
  return sections.join('\n\n') + '\n';
}
