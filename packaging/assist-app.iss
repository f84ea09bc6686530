; Saved as UTF-8 with a BOM: Inno Setup 6 reads non-ASCII text correctly only then.
; Inno Setup script for 坐席助手 AgentAssist (issue 6): wraps the PyInstaller folder
; (dist\assist-app, built by build_installer.spec on Windows) into one setup program.
;
; Build (Inno Setup 6.x, on Windows; .github/workflows/windows-installer.yml does exactly this):
;   pyinstaller --noconfirm build_installer.spec
;   ISCC.exe /DAppVersion=0.1.0 packaging\assist-app.iss
; → dist\AgentAssist-Setup-0.1.0.exe
;
; Install for every user of the PC (needs administrator rights):
;   AgentAssist-Setup-0.1.0.exe                                     wizard
;   AgentAssist-Setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="%TEMP%\agentassist-setup.log"
;   … /COMPONENTS="main,model"                                       also install a speech model
;   … /DIR="D:\AgentAssist"                                          another folder
; Uninstall: Start menu → 卸载坐席助手, Settings → Apps, or "{app}\unins000.exe" /VERYSILENT.
;
; Speech model (optional component "model"): either built in — a model folder was in models\ when
; the bundle was built, so it is in dist\assist-app\models\ — or supplied by IT at install time: a
; folder named "models" next to the setup program (e.g. models\vosk-model-small-cn-0.22\) is copied
; into {app}\models\, where the app looks for it (assist_app.resources.bundled_models_dir()).
;
; NOTE: this script and the workflow are in the repository but were NOT run while developing
; (no Windows machine); only the Linux bundle was built and tested. See docs/installing.md.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\assist-app"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#define AppName "坐席助手 AgentAssist"
#define GuiExe "assist-app-gui.exe"
#define CliExe "assist-app.exe"

[Setup]
; The AppId identifies the product for upgrades and uninstall: never change it.
AppId={{8F3C2A4E-6B1D-4E8A-9C57-2D41A6B3E9F0}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=AgentAssist
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\AgentAssist
DefaultGroupName=坐席助手
DisableProgramGroupPage=yes
; Per-machine install only: every agent who signs in to the seat gets the app.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=AgentAssist-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#GuiExe}
; Close a running app before files are replaced (silent upgrades included).
CloseApplications=yes
RestartApplications=no

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Types]
Name: "standard"; Description: "标准安装 Standard"
Name: "withmodel"; Description: "含语音识别模型 With speech model"
Name: "custom"; Description: "自定义 Custom"; Flags: iscustom

[Components]
Name: "main"; Description: "坐席助手程序 (required)"; Types: standard withmodel custom; Flags: fixed
Name: "model"; Description: "语音识别模型 Speech model (models\ beside the setup program, or built in)"; Types: withmodel

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The PyInstaller folder, except models\ (a component of its own).
Source: "{#SourceDir}\*"; DestDir: "{app}"; Excludes: "\models\*"; Flags: ignoreversion recursesubdirs createallsubdirs; Components: main
; A model built into the bundle (dist\assist-app\models\…); none when the bundle was built without.
Source: "{#SourceDir}\models\*"; DestDir: "{app}\models"; Flags: ignoreversion recursesubdirs createallsubdirs skipifsourcedoesntexist; Components: model
; A model IT puts next to the setup program, copied at install time (not inside the setup program).
Source: "{src}\models\*"; DestDir: "{app}\models"; Flags: external recursesubdirs createallsubdirs skipifsourcedoesntexist ignoreversion; Components: model

[Dirs]
Name: "{app}\models"

[Icons]
Name: "{group}\坐席助手"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"
Name: "{group}\坐席助手 自检 (self-test)"; Filename: "{cmd}"; Parameters: "/k """"{app}\{#CliExe}"" --self-test"""; WorkingDir: "{app}"
Name: "{group}\卸载坐席助手"; Filename: "{uninstallexe}"
Name: "{autodesktop}\坐席助手"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,坐席助手}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Models copied in by this installer are removed with the app; call records (in each user's
; AppData) and settings are kept — they are the centre's records.
Type: filesandordirs; Name: "{app}\models"
