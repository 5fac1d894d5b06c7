/**
 * A header is read first as C, or as C++ when its code shows C++ syntax, and again with the
 * other grammar only when that may read it better. A C header whose only fault is a
 * declaration macro without its `;` is not parsed twice; a C++ class that C would read
 * without an error, as something else, is read as C++; C++ syntax in a comment or a string
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Parser } from 'web-tree-sitter';
import { extractFileFacts } from '../src/parser/extract.js';
import { firstGrammarOfHeader, worthReadingWithTheOther } from '../src/parser/header-language.js';
import { loadLanguages } from '../src/parser/languages.js';
import { decodeSource } from '../src/source/decode.js';

/** C reads it with one invented `;`, after the macro; so does C++. */
const CONTEXT_MACRO_WITHOUT_SEMICOLON = `typedef struct _DEVICE_CONTEXT {
    WDFQUEUE Queue;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, DeviceGetContext)

EVT_WDF_DRIVER_DEVICE_ADD EvtDeviceAdd;
`;

/** C reads each with one invented token and no ERROR node; C++ reads each cleanly. */
const CPP_THAT_C_READS_WITH_AN_INVENTED_TOKEN: Record<string, string> = {
  'a class with a friend': `class CRecorder
{
public:
    NTSTATUS Start();

    friend
    IO_WORKITEM_ROUTINE RecorderWorker;

private:
    PVOID m_Buffer;
};
`,
  'empty access sections': `class CHardware
{
public:
    ULONG Channels();
protected:
private:
};
`,
  'a using directive': `using namespace Gdiplus;

NTSTATUS Convert(PVOID Image);
`,
  'an array braced without =': `static PVOID Pointers[]
{
    NULL,
    &Info
};
`,
};

/** C meets an ERROR here, with no C++ syntax the header's text is searched for. */
const CONST_METHOD = 'ULONG Count(PDEVICE Device) const;\n';

/** tree-sitter's C reads this without an error (as something else); C++ reads it as a class. */
const CLASS_C_READS_CLEANLY = `class CSaveData
{
public:
    CSaveData();
    NTSTATUS Initialize(ULONG Size);
private:
    PVOID m_Buffer;
};
`;

/** C reads it cleanly; C++ meets a fault at the field named \`operator\`. */
const C_FIELD_NAMED_LIKE_A_CPP_KEYWORD = `typedef struct _SLOT {
    ULONG operator;
} SLOT;
`;

/** C++ syntax only in a comment and a string: a C header, read once. */
const CPP_IN_COMMENT_AND_STRING = `// class CLegacy { public: ... } was removed; see Driver::Start.
#define BANNER "namespace::Driver"

${CONTEXT_MACRO_WITHOUT_SEMICOLON}`;

describe('the grammar a header is read with', () => {
  let c: Parser;
  before(async () => {
    const { c: grammar } = await loadLanguages();
    c = new Parser();
    c.setLanguage(grammar);
  });
  /** Whether `text`, read first as C, is read again as C++. */
  const readAgainAfterC = (text: string): boolean => {
    assert.equal(firstGrammarOfHeader(text), 'c');
    const tree = c.parse(text)!;
    try {
      return worthReadingWithTheOther('c', tree.rootNode);
    } finally {
      tree.delete();
    }
  };
  const read = (path: string, text: string) => extractFileFacts(path, decodeSource(Buffer.from(text, 'utf8')));

  it('is C alone when C reads the header cleanly', () => {
    assert.equal(readAgainAfterC('NTSTATUS Start(PDEVICE_CONTEXT Context);\n'), false);
  });

  it('is C alone when C only invents a token and the code shows no C++ syntax', () => {
    assert.equal(readAgainAfterC(CONTEXT_MACRO_WITHOUT_SEMICOLON), false);
  });

  it('is C alone when C++ syntax is only in a comment or a string', async () => {
    assert.equal(readAgainAfterC(CPP_IN_COMMENT_AND_STRING), false);
    assert.equal((await read('banner.h', CPP_IN_COMMENT_AND_STRING)).language, 'c');
  });

  it('is tried as C++ when C meets an ERROR', () => {
    assert.equal(readAgainAfterC(CONST_METHOD), true);
  });

  for (const [what, text] of Object.entries(CPP_THAT_C_READS_WITH_AN_INVENTED_TOKEN)) {
    it(`is C++ first when the code shows C++ syntax: ${what}`, async () => {
      assert.equal(firstGrammarOfHeader(text), 'cpp');
      const facts = await read('header.h', text);
      assert.equal(facts.language, 'cpp');
      assert.equal(facts.errorCount, 0);
    });
  }

  it('is C++ for a class, which C would read without an error', async () => {
    const facts = await read('savedata.h', CLASS_C_READS_CLEANLY);
    assert.equal(facts.language, 'cpp');
    assert.equal(facts.errorCount, 0);
  });

  it('falls back to C when C++ read first has faults that C has not', async () => {
    assert.equal(firstGrammarOfHeader(C_FIELD_NAMED_LIKE_A_CPP_KEYWORD), 'cpp');
    const facts = await read('slot.h', C_FIELD_NAMED_LIKE_A_CPP_KEYWORD);
    assert.equal(facts.language, 'c');
    assert.equal(facts.errorCount, 0);
  });

  it('keeps C on a tie, read first as C', async () => {
    // One ERROR either way, at the stray parenthesis.
    const text = 'NTSTATUS Start(PVOID Context) )\n;\n';
    assert.equal(readAgainAfterC(text), true);
    const facts = await read('tie.h', text);
    assert.equal(facts.language, 'c');
    assert.equal(facts.errorCount, 1);
  });

  it('keeps C on a tie, read first as C++', async () => {
    // Two ERRORs either way: C++ at the field named operator and at the '@', C at the '@' twice.
    const text = `${C_FIELD_NAMED_LIKE_A_CPP_KEYWORD}VOID Run(VOID) @;\n`;
    assert.equal(firstGrammarOfHeader(text), 'cpp');
    const facts = await read('tie.h', text);
    assert.equal(facts.language, 'c');
    assert.equal(facts.errorCount, 2);
  });

  it('keeps C, with its one fault, for the macro without its semicolon', async () => {
    const facts = await read('context.h', CONTEXT_MACRO_WITHOUT_SEMICOLON);
    assert.equal(facts.language, 'c');
    assert.equal(facts.errorCount, 1);
  });
});
