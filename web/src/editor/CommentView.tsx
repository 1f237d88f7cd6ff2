// A comment on the canvas: a resizable note behind the nodes.
import { memo } from 'react';
import { NodeResizer, type Node, type NodeProps } from '@xyflow/react';
import type { CommentNodeData } from '../lib/convert';
import { useEditorApi } from './context';

export type CommentNode = Node<CommentNodeData, 'comment'>;

export const CommentView = memo(function CommentView({ id, data, selected }: NodeProps<CommentNode>) {
  const ed = useEditorApi();
  return (
    <div className={`wc${selected ? ' selected' : ''}`}>
      <div className="wc-bar" aria-hidden="true" />
      {!ed.readOnly && <NodeResizer isVisible={selected} minWidth={120} minHeight={48} onResizeStart={ed.beginResize} />}
      {ed.readOnly ? (
        <div className="wc-text">{data.comment.text}</div>
      ) : (
        <textarea className="wc-text nodrag nowheel" aria-label={`Comment ${data.comment.id}`} value={data.comment.text}
          placeholder="Comment" onChange={(e) => ed.setCommentText(id, e.target.value)} />
      )}
    </div>
  );
});
